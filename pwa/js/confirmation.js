// The customer's confirmation of a finished visit, as the completion form reads it: the code the customer was
// sent (typed as they read it out), their signature on the phone, or none with a reason. The phone cannot tell
// a right code from a wrong one (only the server holds its digest), so any six digits go and the server says
// at sync whether they were the customer's; what is refused here is only what the server would refuse.

import { when } from "./i18n/index.js";

export const METHODS = ["code", "signature", "none"];
// The usual reasons there is no confirmation, offered first (the technician may add to them or write their own).
export const REASONS = ["customerAbsent", "noPhone", "codeNotReceived", "customerDeclined"];
export const CODE = /^\d{6}$/;
export const REASON_MAX = 500;

// The code as typed: spaces and dashes a customer reads out in groups are dropped, full-width digits made plain.
export function normaliseCode(typed) {
  return String(typed ?? "")
    .replace(/[０-９]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0))
    .replace(/[\s-]/g, "");
}

// {confirmation} for the op, or {field, problem} (an i18n key) when the form must say what is missing.
// `reasonLabel` is the chosen usual reason in the technician's words, `reasonText` what they wrote.
export function readConfirmation({ method, code = "", signatureSha256 = null, reasonLabel = "", reasonText = "" }) {
  switch (method) {
    case "code": {
      const digits = normaliseCode(code);
      return CODE.test(digits) ? { confirmation: { method, code: digits } } : { field: "code", problem: "confirm.codeSixDigits" };
    }
    case "signature":
      return /^[0-9a-f]{64}$/.test(signatureSha256 ?? "") ? { confirmation: { method, signature_sha256: signatureSha256 } } : { field: "signature", problem: "confirm.signFirst" };
    case "none": {
      const reason = [reasonLabel.trim(), reasonText.trim()].filter(Boolean).join(": ").slice(0, REASON_MAX);
      return reason ? { confirmation: { method, reason } } : { field: "reason", problem: "confirm.reasonNeeded" };
    }
    default:
      return { field: "method", problem: "confirm.chooseMethod" };
  }
}

// Where the code went, as [key, params]: "sent to ****5678 at 14:03", or that none was sent.
export function codeSent(visit) {
  if (!visit?.completion_code_sent_at) {
    return ["confirm.noCodeSent", {}];
  }
  return ["confirm.codeSentTo", { phone: visit.completion_code_sent_to ?? "", time: when(visit.completion_code_sent_at) }];
}

// The method the form opens on: the code when one was sent, else the signature.
export function defaultMethod(visit) {
  return visit?.completion_code_sent_at ? "code" : "signature";
}
