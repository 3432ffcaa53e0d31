// The parts planner's figures and the receipt's rules, apart from the screen so that they are tested alone
// (tests/pwa/planning.test.mjs): what a count typed in means, what a receipt sends, and the plain sums shown.

// A count as typed: a whole number of pieces, 0 or more; anything else (blank, "1.5", "-1", "3 pcs") is null.
export function parseCount(text) {
  const trimmed = String(text ?? "").trim();
  if (!/^\d{1,8}$/.test(trimmed)) {
    return null;
  }
  return Number(trimmed);
}

// A purchase order's lines with the counts typed against them ({part_no: text}), and whether the planner has
// said that more than ordered really arrived. Returns what to send (every line, with its count) or why not:
//   {refused: "bad", bad: [part_no]}                         a count that is no whole number
//   {refused: "over", over: [{part_no, counted, ordered}]}   more than ordered, not confirmed
//   {refused: null, lines: [{part_no, qty}], short, over}    to send; `short`/`over` for the message after
export function receipt(orderLines, counts, { overConfirmed = false } = {}) {
  const bad = [];
  const lines = [];
  const short = [];
  const over = [];
  for (const line of orderLines) {
    const counted = parseCount(counts[line.part_no]);
    if (counted === null) {
      bad.push(line.part_no);
      continue;
    }
    lines.push({ part_no: line.part_no, qty: counted });
    if (counted < line.qty) {
      short.push({ part_no: line.part_no, counted, ordered: line.qty });
    } else if (counted > line.qty) {
      over.push({ part_no: line.part_no, counted, ordered: line.qty });
    }
  }
  if (bad.length) {
    return { refused: "bad", bad };
  }
  if (over.length && !overConfirmed) {
    return { refused: "over", over };
  }
  return { refused: null, lines, short, over };
}

// What one line of an order lacks or has beyond what was ordered: {short, over}, at most one of them > 0.
export function difference(ordered, received) {
  return { short: Math.max(ordered - received, 0), over: Math.max(received - ordered, 0) };
}

// The plain sums of an order's lines: pieces ordered, received, short and over (short and over line by line,
// so that one line's extra never hides another's shortfall).
export function orderTotals(lines) {
  const totals = { ordered: 0, received: 0, short: 0, over: 0 };
  for (const line of lines) {
    const { short, over } = difference(line.qty, line.received_qty);
    totals.ordered += line.qty;
    totals.received += line.received_qty;
    totals.short += short;
    totals.over += over;
  }
  return totals;
}

// The plan's rows added up for its summary line.
export function planTotals(rows) {
  return rows.reduce(
    (sum, row) => ({
      parts: sum.parts + 1,
      waiting: sum.waiting + row.waiting,
      onOrder: sum.onOrder + row.on_order,
      toOrder: sum.toOrder + row.to_order,
    }),
    { parts: 0, waiting: 0, onOrder: 0, toOrder: 0 },
  );
}

// Whole days from `iso` to `now` (a need raised this morning is 0 days old).
export function ageInDays(iso, now = new Date()) {
  if (!iso) {
    return null;
  }
  return Math.max(Math.floor((now.getTime() - new Date(iso).getTime()) / 86_400_000), 0);
}
