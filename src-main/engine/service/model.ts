import type { z } from 'zod';
import { RETURN_CATEGORIES, type ReturnCategory, type Suggestion } from '../../../src-shared/contract/service';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { deserialize, learn, type NaiveBayesModel, predict, REPLY_TEMPLATES, serialize, train } from './classifier';

/**
 * The trained reason classifier, kept in the local `classifier_model` table (derived from the
 * replicated examples, so each install trains its own). Parsed models are cached per database
 * handle and stamp (trained at + examples), so predicting does not re-read the JSON.
 */

const NAME = 'reasons';
const cache = new WeakMap<object, { stamp: string; model: NaiveBayesModel }>();

async function stampOf(db: Db | Tx) {
  const row = await db.selectFrom('classifier_model').select(['trained_at', 'examples']).where('name', '=', NAME).executeTakeFirst();
  return row ? `${row.trained_at}|${row.examples}` : null;
}

export async function loadModel(db: Db | Tx, cacheKey: object): Promise<NaiveBayesModel | null> {
  const stamp = await stampOf(db);
  if (!stamp) return null;
  const hit = cache.get(cacheKey);
  if (hit && hit.stamp === stamp) return hit.model;
  const row = await db.selectFrom('classifier_model').select('model_json').where('name', '=', NAME).executeTakeFirstOrThrow();
  const model = deserialize(row.model_json);
  cache.set(cacheKey, { stamp, model });
  return model;
}

async function saveModel(ctx: CommandContext, model: NaiveBayesModel, examples: number): Promise<void> {
  const values = { name: NAME, trained_at: ctx.now, examples, model_json: serialize(model) };
  await ctx.db
    .insertInto('classifier_model')
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ trained_at: values.trained_at, examples: values.examples, model_json: values.model_json }))
    .execute();
}

const isCategory = (c: string): c is ReturnCategory => (RETURN_CATEGORIES as readonly string[]).includes(c);

/** Trains a fresh model on every labelled example (history, demo and agents' corrections). */
export async function retrain(ctx: CommandContext): Promise<{ examples: number; vocabulary: number }> {
  const rows = await ctx.db.selectFrom('classifier_example').select(['text', 'category']).execute();
  const model = train(rows.filter((r) => isCategory(r.category)).map((r) => ({ text: r.text, category: r.category as ReturnCategory })));
  await saveModel(ctx, model, rows.length);
  return { examples: rows.length, vocabulary: model.counts.size };
}

/** Records an agent's label as an example and teaches it to the current model (counts add up). */
export async function teach(ctx: CommandContext, cacheKey: object, text: string, category: ReturnCategory, ticketId: string | null): Promise<void> {
  await ctx.db.insertInto('classifier_example').values({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, text, category, source: 'agent', ticket_id: ticketId }).execute();
  const current = await loadModel(ctx.db, cacheKey);
  if (!current) {
    await retrain(ctx);
    return;
  }
  // A copy: the cached model must not change if this command rolls back.
  const model = deserialize(serialize(current));
  learn(model, text, category);
  const examples = await ctx.db.selectFrom('classifier_example').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  await saveModel(ctx, model, Number(examples.n));
}

export function toSuggestion(model: NaiveBayesModel, text: string): z.infer<typeof Suggestion> {
  const p = predict(model, text);
  const bp = (x: number) => Math.round(x * 10_000);
  return {
    category: p.category,
    confidenceBp: bp(p.scores[0]!.probability),
    scores: p.scores.map((s) => ({ category: s.category, probabilityBp: bp(s.probability) })),
    replyTemplate: REPLY_TEMPLATES[p.category],
  };
}

export async function suggest(db: Db | Tx, cacheKey: object, text: string) {
  const model = await loadModel(db, cacheKey);
  return model ? toSuggestion(model, text) : null;
}
