import path from 'node:path';
import { ConfigError, loadConfig, SHIPPED_DATASET_DIR } from '../src/config';

describe('loadConfig', () => {
  it('defaults to the embedded database with the FD001 sample', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'embedded', dataDir: path.resolve('.data') });
    expect(config.loadSampleData).toBe(true);
    expect(config.datasetDir).toBe(SHIPPED_DATASET_DIR);
    expect(config.port).toBe(4000);
  });

  it('uses PostgreSQL when DATABASE_URL is set, without sample data unless asked', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/x', DATABASE_POOL_MAX: '7' });
    expect(config.database).toEqual({ kind: 'postgresql', url: 'postgresql://u@db:5432/x', poolMax: 7 });
    expect(config.loadSampleData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/x', LOAD_SAMPLE_DATA: 'true' }).loadSampleData).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).database.kind).toBe('embedded');
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^DATABASE_URL: must be a postgresql:\/\/ connection URL/m);
      expect(problems).toMatch(/^LOG_LEVEL: /m);
    }
  });
});
