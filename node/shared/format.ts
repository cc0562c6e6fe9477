import Table from "cli-table3";
import { formatUnits } from "ethers";

/**
 * Formats wei of an 18-decimal token as whole tokens with thousands separators, e.g.
 * `1234567890000000000000000n` → `"1,234,567.89"` (at most `decimals` fraction digits, no rounding up).
 *
 * @param wei amount in wei
 * @param fractionDigits fraction digits to keep (default 2)
 */
export function formatTokens(wei: bigint, fractionDigits = 2): string {
  const [whole, fraction = ""] = formatUnits(wei, 18).split(".");
  const grouped = BigInt(whole!).toLocaleString("en-US");
  const kept = fraction.slice(0, fractionDigits).replace(/0+$/, "");
  return kept ? `${grouped}.${kept}` : grouped;
}

/**
 * Renders rows as a boxed text table (cli-table3) with right-aligned numeric columns.
 *
 * @param head column titles
 * @param rows cells as strings, one array per row
 * @param alignRight indexes of the columns to right-align (default: all but the first)
 */
export function renderTable(head: string[], rows: string[][], alignRight?: number[]): string {
  const right = new Set(alignRight ?? head.map((_, index) => index).slice(1));
  const table = new Table({
    head,
    colAligns: head.map((_, index) => (right.has(index) ? "right" : "left")),
    style: { head: [], border: [] },
  });
  table.push(...rows);
  return table.toString();
}
