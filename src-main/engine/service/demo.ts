import type { ReturnCategory } from '../../../src-shared/contract/service';

/**
 * Labelled demo texts for the reason classifier: customer complaints built from phrases per
 * category, with shared filler (products, greetings, order talk) and a share of ambiguous
 * sentences borrowed from another category, so the task is not trivially separable and the
 * held-out accuracy means something.
 */

const PRODUCTS = ['drill', 'pallet of screws', 'cordless saw', 'ladder', 'box of gloves', 'paint tins', 'cable reel', 'toolbox', 'angle grinder', 'LED panels', 'safety boots', 'work bench'];
const OPENERS = ['Hello,', 'Hi team,', 'Good morning,', 'Dear support,', '', '', 'Regarding our last order:', 'About order {order}:'];
const CLOSERS = ['Please advise.', 'What can you do?', 'We would like a credit.', 'Please arrange a return.', 'Kind regards, {name}', '', 'Thanks.', 'Call me back please.'];
const NAMES = ['Anna', 'Marek', 'Lucy', 'Tom', 'Sofia', 'Jan', 'Priya', 'Carlos'];

const PHRASES: Record<ReturnCategory, string[]> = {
  damaged_in_transit: [
    'the {p} arrived broken, the box was crushed',
    'the carton was torn open and the {p} is dented',
    'the courier dropped the parcel and the {p} is smashed',
    'packaging was soaked and the {p} got damaged in transit',
    'the pallet arrived tipped over, several {p} cracked',
    'the {p} came with a shattered casing, the outer box was damaged',
  ],
  wrong_item_picked: [
    'we ordered the {p} but received a different item',
    'the delivery contained the wrong size of {p}',
    'you sent us the wrong model, we need the {p} we ordered',
    'the SKU on the label does not match our order, this is not the {p}',
    'we got someone else\'s goods instead of the {p}',
    'wrong colour and wrong article number on the {p}',
  ],
  not_as_described: [
    'the {p} does not match the description on the website',
    'the specifications of the {p} are different from the catalogue',
    'the photo showed a metal {p} but this one is plastic',
    'the {p} is smaller than the dimensions listed',
    'the listing said it includes a battery but the {p} has none',
    'material and finish of the {p} are not as advertised',
  ],
  late_delivery: [
    'the {p} arrived two weeks after the promised date',
    'delivery is late again, we are still waiting for the {p}',
    'the shipment missed the delivery window and our site stood still',
    'tracking shows no movement for days, the {p} is overdue',
    'you promised delivery on Monday and nothing has come',
    'the {p} came too late for our project deadline',
  ],
  no_longer_needed: [
    'we no longer need the {p}, the project was cancelled',
    'we ordered too many {p} and want to send the extra back',
    'the customer changed their mind, we would like to return the {p} unused',
    'the {p} is still sealed, we simply do not need it anymore',
    'ordered by mistake, please take back the {p}',
    'our plans changed so the {p} is surplus',
  ],
  quality_defect: [
    'the {p} stopped working after two days',
    'the motor of the {p} overheats and smells burnt',
    'the {p} is faulty, it will not switch on',
    'several {p} have a manufacturing defect, the seams split',
    'the battery of the {p} does not hold a charge',
    'the {p} broke at first use, poor quality',
  ],
  other: [
    'can you send us a copy of the invoice for the {p}',
    'please update our delivery address for future orders',
    'we would like a quote for more {p}',
    'how do we change the contact person on our account',
    'is the {p} available in another finish',
    'please confirm our payment was received',
  ],
};

/** Mulberry32: a small seeded PRNG so the demo data is the same for the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = Object.keys(PHRASES) as ReturnCategory[];

/** `count` labelled texts; about one in eight mixes in a sentence from another category. */
export function demoTexts(count: number, seed = 1): { text: string; category: ReturnCategory }[] {
  const rnd = seeded(seed);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const fill = (s: string) => s.replace('{p}', pick(PRODUCTS)).replace('{order}', `SO-${1000 + Math.floor(rnd() * 9000)}`).replace('{name}', pick(NAMES));
  const out: { text: string; category: ReturnCategory }[] = [];
  for (let i = 0; i < count; i++) {
    const category = pick(CATEGORIES);
    const parts = [fill(pick(OPENERS)), fill(pick(PHRASES[category]))];
    if (rnd() < 0.5) parts.push(fill(pick(PHRASES[category])));
    if (rnd() < 0.125) parts.push(fill(pick(PHRASES[pick(CATEGORIES)])));
    parts.push(fill(pick(CLOSERS)));
    out.push({ text: parts.filter(Boolean).join(' '), category });
  }
  return out;
}
