import type { CommandContext } from '../platform/context';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { boundToCentre, branchCode, nextDocumentNumber } from '../platform/series';

const branchCodes = preparedQuery<{ none: 0 }, { code: string }>([], (db) => db.selectFrom('branch').select('code'));
const partnerByCode = preparedQuery<{ code: string }, { id: string; name: string }>(['code'], (db, p) => db.selectFrom('partner').select(['id', 'name']).where('code', '=', p.code));

/**
 * The code a new or renamed customer or vendor gets: the one typed, else the next of this
 * branch's series (`B01-C00001`, `B01-V00001`). Codes are unique in the company. On a branch
 * bound to a centre a typed code must start with the branch's code: two branches working
 * offline could otherwise both take "ACME", and the centre could not take the second; and no
 * install may type a code in another branch's prefix.
 */
export async function claimPartnerCode(ctx: CommandContext, typed: string | null | undefined, series: 'C' | 'V', self?: string): Promise<string> {
  const prefix = await branchCode(ctx);
  const code = typed ?? (await nextDocumentNumber(ctx, `${prefix}-${series}`, 5));
  if (typed && !typed.startsWith(`${prefix}-`) && (await boundToCentre(ctx.db))) {
    throw new DomainError('VALIDATION', `On branch ${prefix}, a code you type starts with "${prefix}-" (for example ${prefix}-${typed}), so that no other branch can take the same code while offline; or leave the code empty to number it automatically`, {
      fields: [{ path: 'code', message: `Must start with ${prefix}-` }],
    });
  }
  if (typed) {
    // Nor may the centre (or anyone) take a code in another branch's prefix: that branch may be taking it offline.
    const owner = (await branchCodes.rows(ctx.db, { none: 0 })).find((b) => b.code !== prefix && typed.startsWith(`${b.code}-`));
    if (owner) throw new DomainError('VALIDATION', `Codes starting with "${owner.code}-" are branch ${owner.code}'s to give; choose another code`, { fields: [{ path: 'code', message: `Branch ${owner.code}'s prefix` }] });
  }
  const dup = await partnerByCode.first(ctx.db, { code });
  if (dup && dup.id !== self) throw new DomainError('CONFLICT', `Code ${code} is already used by "${dup.name}"`, { fields: [{ path: 'code', message: `Already used by "${dup.name}"` }] });
  return code;
}
