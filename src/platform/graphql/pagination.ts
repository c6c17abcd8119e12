import { type ClassType, Field, InputType, Int, ObjectType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination';

@InputType({ description: 'Offset pagination, the same for every list of the API.' })
export class PageInput {
  @Field(() => Int, { defaultValue: 0, description: 'Number of items to skip.' })
  offset: number;

  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `Number of items to return, 1 to ${MAX_PAGE_SIZE}.` })
  limit: number;
}

/** Builds the page type of a list: items, total count and the page's position. */
export function PageOf<TItem extends object>(itemType: ClassType<TItem>) {
  @ObjectType()
  abstract class PageClass {
    @Field(() => [itemType], { description: 'The items of this page.' })
    items: TItem[];

    @Field(() => Int, { description: 'Number of items matching the query, across all pages.' })
    totalCount: number;

    @Field(() => Int, { description: 'Offset of the first item of this page.' })
    offset: number;

    @Field(() => Int, { description: 'Page size asked for.' })
    limit: number;

    @Field(() => Boolean, { description: 'Whether items follow this page.' })
    hasMore: boolean;
  }
  return PageClass;
}
