/** Rules that need facts only the audit door (or watch) collects. The lead registers them in src/rules/index.ts. */
export { resolvedSocketMount } from "./resolved-socket-mount.js";
export { hostSocketAccess } from "./socket-access.js";
export { dockerApiListener } from "./api-listener.js";
export { liveImage } from "./image.js";
export { recentEvents } from "./event.js";
export { persistenceSigns } from "./persistence.js";
export { daemonConfigTcp } from "./daemon-config.js";
export { containerUser } from "./container-user.js";
import { resolvedSocketMount } from "./resolved-socket-mount.js";
import { hostSocketAccess } from "./socket-access.js";
import { dockerApiListener } from "./api-listener.js";
import { liveImage } from "./image.js";
import { recentEvents } from "./event.js";
import { persistenceSigns } from "./persistence.js";
import { daemonConfigTcp } from "./daemon-config.js";
import { containerUser } from "./container-user.js";
import type { Rule } from "../types.js";

export const AUDIT_RULES: readonly Rule[] = [resolvedSocketMount, hostSocketAccess, dockerApiListener, liveImage, recentEvents, persistenceSigns, daemonConfigTcp, containerUser];
