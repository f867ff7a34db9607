import { styleText } from 'node:util';

export type Style = (format: Parameters<typeof styleText>[0], text: string) => string;

/** Colour when the stream is a terminal and NO_COLOR is unset; plain text otherwise. */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const colour = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return colour ? (format, text) => styleText(format, text) : (_format, text) => text;
}

export const plainStyle: Style = (_format, text) => text;

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** Text safe inside XML or HTML, attributes included (JUnit, the HTML report). */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ENTITIES[c] as string);
}
