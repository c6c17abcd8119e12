import { neighbourPages, pageArguments, pageParams } from './cursor-pages';

describe('cursor pages in the address', () => {
  it('read the first page, the page after a cursor or the page before one', () => {
    expect(pageArguments(new URLSearchParams(''), 20)).toEqual({ first: 20 });
    expect(pageArguments(new URLSearchParams('after=YQ'), 20)).toEqual({ first: 20, after: 'YQ' });
    expect(pageArguments(new URLSearchParams('before=Yg&after=YQ'), 20)).toEqual({ last: 20, before: 'Yg' });
    expect(pageParams(new URLSearchParams('dataset=FD001&after=YQ'))).toEqual({ after: 'YQ' });
    expect(pageParams(new URLSearchParams('dataset=FD001'))).toEqual({});
  });

  it('link the pages next to a page by its first and last cursors, where there are some', () => {
    const info = { hasNextPage: true, hasPreviousPage: true, startCursor: 'YQ', endCursor: 'Yg' };
    expect(neighbourPages(info)).toEqual({ previous: { before: 'YQ' }, next: { after: 'Yg' } });
    expect(neighbourPages({ ...info, hasPreviousPage: false, hasNextPage: false })).toEqual({ previous: null, next: null });
    expect(neighbourPages({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null })).toEqual({
      previous: null,
      next: null,
    });
  });
});
