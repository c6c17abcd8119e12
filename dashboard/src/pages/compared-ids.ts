// Which versions the Compare page compares: the ids of its address's ?ids=3,5.

/** compareModelVersions takes up to 10; more than four overlaid curves cannot be told apart. */
export const MAX_COMPARED = 4;

/** The ids of ?ids=3,5, or a message saying what is wrong with them. */
export function comparedIds(text: string | null): number[] | string {
  const ids = (text ?? '').split(',').filter(Boolean).map(Number);
  if (ids.some((id) => !Number.isInteger(id) || id < 1)) return `"${text}" is not a list of version ids such as 3,5`;
  if (ids.length < 2 || ids.length > MAX_COMPARED) return `choose between 2 and ${MAX_COMPARED} versions, not ${ids.length}`;
  if (new Set(ids).size !== ids.length) return 'each version may be listed once';
  return ids;
}
