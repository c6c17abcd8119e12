// The types of cursor connections (the GraphQL Cursor Connections convention, see ../db/connection.ts):
// edges { cursor node }, pageInfo and totalCount, paged with first/after or last/before.
import { ArgsType, type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination';

@ArgsType()
export class ConnectionArgs {
  @Field(() => Int, {
    nullable: true,
    description: `Items after \`after\`, 1 to ${MAX_PAGE_SIZE} (${DEFAULT_PAGE_SIZE} when neither first nor last is given).`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor of this list (e.g. the endCursor of the previous page): items after it.' })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Items before \`before\`, 1 to ${MAX_PAGE_SIZE} (not with first).` })
  last?: number | null;

  @Field(() => String, { nullable: true, description: 'A cursor of this list (e.g. the startCursor of the next page): items before it.' })
  before?: string | null;
}

@ObjectType({ description: 'Where a page of a connection stands in its list.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether items follow this page.' })
  hasNextPage: boolean;

  @Field(() => Boolean, { description: 'Whether items precede this page.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item; null when the page is empty.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; null when the page is empty.' })
  endCursor: string | null;
}

/** Builds the edge and connection types of a list of `itemType`, named `<name>Edge` and (by the subclass) `<name>Connection`. */
export function ConnectionOf<TItem extends object>(itemType: ClassType<TItem>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a connection and its cursor.` })
  class EdgeClass {
    @Field(() => String, { description: 'Pass as after (or before) to page from this item.' })
    cursor: string;

    @Field(() => itemType, { description: 'The item.' })
    node: TItem;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [EdgeClass], { description: 'The items of this page, in the list order.' })
    edges: EdgeClass[];

    @Field(() => PageInfo, { description: 'Where this page stands.' })
    pageInfo: PageInfo;

    @Field(() => Int, { description: 'Number of items of the list (its filter applied), across all pages.' })
    totalCount: number;
  }
  return ConnectionClass;
}
