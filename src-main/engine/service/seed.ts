import { newRowMeta, type CommandContext } from '../platform/context';
import { demoTexts } from './demo';
import { retrain } from './model';

/** Default SLA policies of the demo company (minutes): key accounts fastest, consumers slowest. */
const DEMO_POLICIES = [
  { name: 'Key accounts', customer_class: 'key_account', ticket_type: null, first_response_minutes: 60, resolution_minutes: 8 * 60 },
  { name: 'Regular customers', customer_class: 'regular', ticket_type: null, first_response_minutes: 4 * 60, resolution_minutes: 2 * 24 * 60 },
  { name: 'Consumers', customer_class: 'consumer', ticket_type: null, first_response_minutes: 8 * 60, resolution_minutes: 5 * 24 * 60 },
  { name: 'Failed deliveries', customer_class: null, ticket_type: 'failed_delivery', first_response_minutes: 30, resolution_minutes: 24 * 60 },
];

/**
 * The demo company's service data: `count` labelled return reasons as classifier history,
 * the default SLA policies (when there are none) and a trained model.
 */
export async function seedServiceDemo(ctx: CommandContext, options: { count: number; seed: number }): Promise<{ examples: number; policies: number }> {
  const texts = demoTexts(options.count, options.seed);
  for (let i = 0; i < texts.length; i += 200) {
    await ctx.db
      .insertInto('classifier_example')
      .values(texts.slice(i, i + 200).map((t) => ({ ...newRowMeta(ctx), text: t.text, category: t.category, source: 'demo' as const, ticket_id: null })))
      .execute();
  }
  let policies = 0;
  const have = await ctx.db.selectFrom('sla_policy').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(have.n) === 0) {
    await ctx.db.insertInto('sla_policy').values(DEMO_POLICIES.map((p) => ({ ...newRowMeta(ctx), ...p, warn_percent: 75, active: 1 }))).execute();
    policies = DEMO_POLICIES.length;
  }
  await retrain(ctx);
  return { examples: texts.length, policies };
}
