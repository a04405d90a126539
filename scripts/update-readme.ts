// Puts the real output of the README's first command (`sockwarden scan examples`) into the README,
// between the example-output markers. A test checks that the README still shows what the tool prints.
import { readFileSync, writeFileSync } from "node:fs";
import { exampleOutputBlock, replaceExampleBlock } from "../test/docs/readme-example.js";

const readme = new URL("../README.md", import.meta.url);
const block = await exampleOutputBlock();
writeFileSync(readme, replaceExampleBlock(readFileSync(readme, "utf8"), block));
console.log("README.md example output updated");
