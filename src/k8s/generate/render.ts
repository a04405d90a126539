/** Multi-document YAML with comments where a reader needs them. Pure. */
import { Document, isNode } from "yaml";

export interface OutDoc {
  obj: Record<string, unknown>;
  /** Comment above the document (one `#` line per line). */
  comment?: string;
  /** Comments above nodes inside the document, by path. */
  nodeComments?: { path: (string | number)[]; comment: string }[];
}

export function renderDocs(docs: OutDoc[], header?: string): string {
  const parts = docs.map((d, i) => {
    const doc = new Document(d.obj);
    const top = [i === 0 ? header : undefined, d.comment].filter(Boolean).join("\n\n");
    if (top) doc.commentBefore = commentText(top);
    for (const nc of d.nodeComments ?? []) {
      const node = doc.getIn(nc.path, true);
      if (isNode(node)) node.commentBefore = commentText(nc.comment);
    }
    return doc.toString({ lineWidth: 0 });
  });
  return parts.join("---\n");
}

/** yaml prefixes each line with `#`; keep a space after it. */
function commentText(s: string): string {
  return s
    .split("\n")
    .map((l) => (l === "" ? "" : ` ${l}`))
    .join("\n");
}
