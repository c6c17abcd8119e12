// Where the benchmarks read C-MAPSS from: the shared full copy when present, else the shipped FD001 copy.
import fs from 'node:fs';
import path from 'node:path';

export function defaultDataDir(): string {
  const candidates = [path.resolve('..', 'shared', 'data', 'cmapss'), path.resolve('data', 'cmapss')];
  return (
    candidates.find((dir) => fs.existsSync(path.join(dir, 'train_FD001.txt')) || fs.existsSync(path.join(dir, 'train_FD001.txt.gz'))) ??
    candidates[1]
  );
}
