import type { PolicyRule } from "./types.js";

export const expiredException: PolicyRule = {
  kind: "policy",
  meta: {
    id: "expired-exception",
    concern: "policy",
    defaultSeverity: "medium",
    title: "Policy exception has expired",
    anchor: "expired-exception",
    meaning: "An exception in sockwarden.yaml is past its expiry date. It no longer suppresses anything: the findings it covered are reported again.",
    decision: "Fix what the exception covered, or, if it must stay, renew it with a new expiry date and a current reason and owner.",
  },
};

export const suppressionWithoutReason: PolicyRule = {
  kind: "policy",
  meta: {
    id: "suppression-without-reason",
    concern: "policy",
    defaultSeverity: "medium",
    title: "Suppression without a reason",
    anchor: "suppression-without-reason",
    meaning: "An inline `sockwarden:ignore` comment or annotation has no reason. Unexplained suppressions are how exposure grows back, so it suppresses nothing.",
    decision: "Add the reason after ` -- ` (`# sockwarden:ignore socket-mount -- reads events until the proxy ships`), or remove the comment.",
  },
};

export const breakGlassExpired: PolicyRule = {
  kind: "policy",
  meta: {
    id: "break-glass-expired",
    concern: "policy",
    defaultSeverity: "medium",
    title: "Break-glass entry has expired",
    anchor: "break-glass-expired",
    meaning: "A webhook break-glass namespace in sockwarden.yaml is past its expiry date: risky pods there are denied again.",
    decision: "Remove the entry, or renew it with a new expiry date if the emergency is still going on.",
  },
};
