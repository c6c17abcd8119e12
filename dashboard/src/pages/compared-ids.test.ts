import { comparedIds, MAX_COMPARED } from './compared-ids';

describe('comparedIds', () => {
  it('reads two to four distinct version ids, in the order given', () => {
    expect(comparedIds('5,3')).toEqual([5, 3]);
    expect(comparedIds('1,2,3,4')).toEqual([1, 2, 3, 4]);
  });

  it('says what is wrong with anything else', () => {
    expect(comparedIds(null)).toBe(`choose between 2 and ${MAX_COMPARED} versions, not 0`);
    expect(comparedIds('7')).toBe(`choose between 2 and ${MAX_COMPARED} versions, not 1`);
    expect(comparedIds('1,2,3,4,5')).toBe(`choose between 2 and ${MAX_COMPARED} versions, not 5`);
    expect(comparedIds('3,3')).toBe('each version may be listed once');
    expect(comparedIds('3,x')).toBe('"3,x" is not a list of version ids such as 3,5');
    expect(comparedIds('0,2')).toBe('"0,2" is not a list of version ids such as 3,5');
    expect(comparedIds('1.5,2')).toBe('"1.5,2" is not a list of version ids such as 3,5');
  });
});
