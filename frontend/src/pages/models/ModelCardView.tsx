/**
 * A model card's markdown as React elements, from `markdownBlocks`: every piece of text is
 * a React text node (escaped), so the card can never inject markup.
 */
import type { ReactNode } from "react";

import { markdownBlocks, type Block, type Span } from "../../lib/models";

function Inline({ spans }: { spans: Span[] }) {
  return (
    <>
      {spans.map((span, index) => {
        let node: ReactNode = span.text;
        if (span.code) node = <code>{node}</code>;
        if (span.italic) node = <em>{node}</em>;
        if (span.bold) node = <strong>{node}</strong>;
        return <span key={index}>{node}</span>;
      })}
    </>
  );
}

function BlockView({ block }: { block: Block }) {
  switch (block.kind) {
    case "heading": {
      // The page already has h1/h2: card headings start at h3.
      const level = Math.min(6, block.level + 2);
      const Tag = `h${level}` as "h3" | "h4" | "h5" | "h6";
      return (
        <Tag style={{ marginTop: "1rem" }}>
          <Inline spans={block.spans} />
        </Tag>
      );
    }
    case "paragraph":
      return (
        <p>
          <Inline spans={block.spans} />
        </p>
      );
    case "list":
      return (
        <ul>
          {block.items.map((item, index) => (
            <li key={index}>
              <Inline spans={item} />
            </li>
          ))}
        </ul>
      );
    case "table":
      return (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                {block.header.map((cell, index) => (
                  <th key={index}>
                    <Inline spans={cell} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((cell, index) => (
                    <td key={index}>
                      <Inline spans={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case "code":
      return <pre style={{ background: "var(--grid)", padding: "0.6rem", borderRadius: 6, overflowX: "auto" }}>{block.text}</pre>;
  }
}

export function ModelCardView({ markdown }: { markdown: string }) {
  const blocks = markdownBlocks(markdown);
  return (
    <div
      data-testid="model-card"
      tabIndex={0}
      aria-label="Model card"
      style={{ maxHeight: 560, overflowY: "auto", lineHeight: 1.5, paddingRight: "0.5rem" }}
    >
      {blocks.map((block, index) => (
        <BlockView key={index} block={block} />
      ))}
    </div>
  );
}
