// Where the repository's own files are (migrations, the shipped data, package.json, schema.graphql),
// whether the code runs from src/ (jest) or from dist/src/ (npm start).
import fs from 'node:fs';
import path from 'node:path';

function findRepositoryRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'prisma'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (package.json beside prisma/) above ${start}`);
  }
}

export const REPOSITORY_ROOT = findRepositoryRoot(__dirname);
export const SHIPPED_DATASET_DIR = path.join(REPOSITORY_ROOT, 'data', 'cmapss');

/** The service's version (package.json), recorded with what it produces. */
export const CODE_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')).version;
