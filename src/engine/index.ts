export * from "./endpoint.js";
export * from "./contextstore.js";
export * from "./errors.js";
export * from "./transport.js";
export * from "./client.js";
export * from "./pool.js";
export * from "./probe.js";
