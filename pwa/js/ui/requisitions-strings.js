// The clerk's words for what a requisition costs: each line's amount and their sum (the amount charged to the
// provider at approval). Kept beside the clerk's screen, added to the tables when it loads.

export default {
  en: {
    "clerk.amount": "Amount",
    "clerk.total": "Total",
  },
  "zh-CN": {
    "clerk.amount": "金额",
    "clerk.total": "合计",
  },
};
