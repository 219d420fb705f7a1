import { RETURN_CATEGORIES, type ReturnCategory } from '../../../src-shared/contract/service';

/**
 * Multinomial naive Bayes on word unigrams and bigrams, with Laplace smoothing. Small,
 * exact and fast enough (thousands of texts a second to train, microseconds to predict); a
 * model is a table of counts, so an agent's correction is taught by adding one text's counts
 * (no full retraining needed). Hand-written because the maintained npm packages for this are
 * either abandoned or pull in a tensor library for what is 100 lines of counting.
 */

const STOPWORDS = new Set(['the', 'a', 'an', 'and', 'or', 'of', 'to', 'is', 'it', 'in', 'on', 'for', 'we', 'i', 'our', 'my', 'was', 'were', 'be', 'this', 'that', 'with', 'at', 'as', 'are', 'you', 'your', 'me', 'us', 'have', 'has', 'had', 'please', 'hello', 'hi', 'dear', 'regards', 'thanks', 'thank']);

/** Lower-cased words (letters and digits), stop words dropped, plus the bigrams of neighbours. */
export function features(text: string): string[] {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
  const out = words.slice();
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]} ${words[i]}`);
  return out;
}

export interface NaiveBayesModel {
  categories: readonly ReturnCategory[];
  /** Training texts per category. */
  docs: number[];
  /** Feature occurrences per category. */
  totals: number[];
  /** Feature → occurrences per category. */
  counts: Map<string, number[]>;
}

export function emptyModel(): NaiveBayesModel {
  return { categories: RETURN_CATEGORIES, docs: RETURN_CATEGORIES.map(() => 0), totals: RETURN_CATEGORIES.map(() => 0), counts: new Map() };
}

/** Adds one labelled text's counts to the model (training and agents' corrections alike). */
export function learn(model: NaiveBayesModel, text: string, category: ReturnCategory): void {
  const k = model.categories.indexOf(category);
  if (k < 0) throw new Error(`Unknown category ${category}`);
  model.docs[k]!++;
  for (const f of features(text)) {
    let row = model.counts.get(f);
    if (!row) {
      row = model.categories.map(() => 0);
      model.counts.set(f, row);
    }
    row[k]!++;
    model.totals[k]!++;
  }
}

export function train(examples: Iterable<{ text: string; category: ReturnCategory }>): NaiveBayesModel {
  const model = emptyModel();
  for (const e of examples) learn(model, e.text, e.category);
  return model;
}

export interface Prediction {
  category: ReturnCategory;
  /** Posterior probability of each category (they sum to 1), best first. */
  scores: { category: ReturnCategory; probability: number }[];
}

/** The most probable category and the posterior of each (softmax of the log-likelihoods). */
export function predict(model: NaiveBayesModel, text: string): Prediction {
  const n = model.categories.length;
  const docsTotal = model.docs.reduce((a, b) => a + b, 0);
  const vocab = model.counts.size;
  const logp = new Array<number>(n);
  for (let k = 0; k < n; k++) logp[k] = Math.log((model.docs[k]! + 1) / (docsTotal + n));
  const denom = model.totals.map((t) => Math.log(t + vocab + 1));
  for (const f of features(text)) {
    // A word never seen in training says nothing about any category.
    const row = model.counts.get(f);
    if (!row) continue;
    for (let k = 0; k < n; k++) logp[k]! += Math.log(row[k]! + 1) - denom[k]!;
  }
  const max = Math.max(...logp);
  const exps = logp.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const scores = model.categories.map((category, k) => ({ category, probability: exps[k]! / sum })).sort((a, b) => b.probability - a.probability);
  return { category: scores[0]!.category, scores };
}

/** JSON form for the local model table. */
export function serialize(model: NaiveBayesModel): string {
  return JSON.stringify({ categories: model.categories, docs: model.docs, totals: model.totals, counts: Object.fromEntries(model.counts) });
}

export function deserialize(json: string): NaiveBayesModel {
  const o = JSON.parse(json) as { categories: ReturnCategory[]; docs: number[]; totals: number[]; counts: Record<string, number[]> };
  return { categories: o.categories, docs: o.docs, totals: o.totals, counts: new Map(Object.entries(o.counts)) };
}

/** Reply templates the agent starts from, per suggested category. */
export const REPLY_TEMPLATES: Record<ReturnCategory, string> = {
  damaged_in_transit:
    'We are sorry the goods arrived damaged. Please send us photos of the damage and the packaging; we have opened a return (RMA) and will send a replacement or a credit note as soon as the goods are back.',
  wrong_item_picked: 'We are sorry we sent the wrong item. Please return it with the RMA number below; we will ship the right item at once, at our cost.',
  not_as_described: 'Thank you for telling us the item is not what you expected. Please tell us what differs from the description; you may return it with the RMA number below.',
  late_delivery: 'We are sorry your delivery was late. We have checked with the carrier and will keep you informed; tell us if you still need the goods.',
  no_longer_needed: 'You may return unused goods in their original packaging within the return window. Use the RMA number below; we will credit you once we have inspected them.',
  quality_defect: 'We are sorry the product is defective. Please describe the fault (and send a photo if you can); we will repair, replace or credit it after inspection.',
  other: 'Thank you for your message. We are looking into it and will come back to you shortly.',
};
