import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/databases';
import { initCentral } from './central-init';

describe('central init', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(async () => t.dispose());

  it('creates schema, policies and functions, and can run again', async () => {
    if (t.database.dialect !== 'postgres') throw new Error('postgres only');
    const first = await initCentral(t.database);
    expect(first.migrated.length).toBeGreaterThan(0);
    const again = await initCentral(t.database);
    expect(again.migrated).toEqual([]);
  });
});
