// Paid repairs (收费) as the phone reckons them, offline: a quote's lines and total, what is still owed once
// payments are in, the receipt number a payment carries, money typed and shown in yuan. Integer cents
// throughout (money is exact); the server reckons the same way and has the last word.

// Crockford's base32: no I, L, O or U, so a number read aloud or typed from paper is not mistaken.
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const RECEIPT_LENGTH = 10;
// As the server takes them: a quote line's quantity, and a price of at most a million yuan.
export const MAX_QUANTITY = 999;
export const MAX_CENTS = 100_000_000;
export const KINDS = ["labour", "part", "travel"];
export const METHODS = ["cash", "qr"];

// The receipt number of a payment made on the phone, offline: the first 50 bits of the SHA-256 of its ref (the
// uuid in lower case with its hyphens) in 10 characters of Crockford base32, most significant first. The server
// makes the same number from the same ref (server/charges/quotes.py), so the customer's receipt names the payment
// before it has synced; being a digest's, the next customer's number cannot be guessed from one's own.
export async function receiptNumber(ref) {
  const text = String(ref).toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    throw new RangeError(`not a uuid: ${ref}`);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  // The first 8 bytes as one number; 64 - 50 bits go.
  let bits = digest.slice(0, 8).reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n) >> BigInt(64 - 5 * RECEIPT_LENGTH);
  let number = "";
  for (let i = 0; i < RECEIPT_LENGTH; i++) {
    number = CROCKFORD[Number(bits & 31n)] + number;
    bits >>= 5n;
  }
  return number;
}

// ¥350.00: cents in yuan with two decimals and the yuan sign; a negative amount with its minus first.
export function yuan(cents) {
  const value = Number.isInteger(cents) ? cents : 0;
  const sign = value < 0 ? "−" : "";
  const whole = Math.abs(value);
  return `${sign}¥${Math.floor(whole / 100).toLocaleString("en-US")}.${String(whole % 100).padStart(2, "0")}`;
}

// Yuan as typed ("350", "350.5", "350.50", "¥1,200") in cents, or null when it is not an amount of at most two
// decimals, or is past MAX_CENTS. Zero is an amount; whether it is allowed is the form's to say.
export function parseYuan(text) {
  const plain = String(text ?? "")
    .trim()
    .replace(/^[¥￥]/, "")
    .replaceAll(",", "");
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec(plain);
  if (!match) {
    return null;
  }
  const cents = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  return cents <= MAX_CENTS ? cents : null;
}

// Cents as an input shows them: "350.00".
export function yuanInput(cents) {
  return Number.isInteger(cents) ? (cents / 100).toFixed(2) : "";
}

// A line's amount: its quantity at its price (travel is once).
export function lineCents(line) {
  return (line.kind === "travel" ? 1 : line.quantity) * line.unit_price_cents;
}

// The figures of a quote: {subtotal, guide, lineDiscount, discount, total} in cents. `guide` is what the lines
// cost at the guide's prices (a line without a guide price counts at its own), `lineDiscount` what lowered
// prices take off it, `discount` the quote's own; the total never goes below nothing.
export function quoteTotals(lines, discountCents = 0) {
  let subtotal = 0;
  let guide = 0;
  for (const line of lines) {
    const amount = lineCents(line);
    subtotal += amount;
    guide += Number.isInteger(line.guide_cents) ? (line.kind === "travel" ? 1 : line.quantity) * line.guide_cents : amount;
  }
  const discount = Math.max(0, discountCents || 0);
  return { subtotal, guide, lineDiscount: Math.max(0, guide - subtotal), discount, total: Math.max(0, subtotal - discount) };
}

// What is wrong with a quote as a list of [where, key of the language tables]: where is "lines", "discount" or
// a line's index. Empty when it may be saved.
export function quoteProblems(lines, discountCents) {
  const problems = [];
  if (!lines.length) {
    problems.push(["lines", "quote.noLines"]);
  }
  lines.forEach((line, index) => {
    if (line.kind !== "travel" && (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY)) {
      problems.push([index, "quote.badQuantity"]);
    } else if (!Number.isInteger(line.unit_price_cents) || line.unit_price_cents < 0) {
      problems.push([index, "quote.badPrice"]);
    }
  });
  if (!Number.isInteger(discountCents) || discountCents < 0) {
    problems.push(["discount", "quote.badDiscount"]);
  } else if (!problems.length && discountCents > quoteTotals(lines).subtotal) {
    problems.push(["discount", "quote.discountTooBig"]);
  }
  return problems;
}

// The op's lines: only what the server reads of each.
export function wireLines(lines) {
  return lines.map((line) => {
    if (line.kind === "labour") {
      return { kind: "labour", fee_code: line.fee_code, quantity: line.quantity, unit_price_cents: line.unit_price_cents };
    }
    if (line.kind === "part") {
      return { kind: "part", part_code: line.part_code, quantity: line.quantity, unit_price_cents: line.unit_price_cents };
    }
    return { kind: "travel", unit_price_cents: line.unit_price_cents };
  });
}

// The quote's total as the server or the phone gave it.
export function quoteTotal(quote) {
  if (!quote) {
    return 0;
  }
  return Number.isInteger(quote.total_cents) ? quote.total_cents : quoteTotals(quote.lines ?? [], quote.discount_cents ?? 0).total;
}

// What was paid towards `quote` of `payments`, and what is still owed.
export function paidOf(quote, payments = []) {
  const paid = (payments ?? []).filter((p) => quote && p.quote_ref === quote.ref).reduce((sum, p) => sum + (p.amount_cents ?? 0), 0);
  return { paid, outstanding: Math.max(0, quoteTotal(quote) - paid) };
}

// Where a paid job's money stands, for the page and the completion step: "none" (no quote), "waiting" (a quote
// the customer has not approved), "owed" (approved, not fully paid), "paid".
export function chargeState(job) {
  const quote = job?.quote;
  if (!quote) {
    return "none";
  }
  if (quote.status !== "approved") {
    return "waiting";
  }
  return paidOf(quote, job.payments).outstanding > 0 ? "owed" : "paid";
}

// The fee guide for a unit of `category`: the labour fees of its category, and the travel fee of `areaClass`
// (null when the guide has none for it).
export function guideFor({ fees = [], travelFees = [] }, category, areaClass) {
  const labour = fees.filter((fee) => !category || fee.category === category).sort((a, b) => String(a.code).localeCompare(String(b.code)));
  const travel = travelFees.find((fee) => fee.area_class === areaClass) ?? null;
  return { labour, travel };
}
