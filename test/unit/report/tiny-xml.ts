/** Just enough XML for asserting on JUnit reports: elements, attributes, text and CDATA. No dependency. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const TOKEN =
  /<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  for (const match of xml.matchAll(TOKEN)) {
    const [, cdata, closing, opening, attributes, selfClosing, text] = match;
    const current = stack[stack.length - 1]!;
    if (cdata !== undefined) current.text += cdata;
    else if (closing !== undefined) {
      if (stack.pop()?.name !== closing) throw new Error(`unbalanced </${closing}>`);
    } else if (opening !== undefined) {
      const element: XmlElement = {
        name: opening,
        attributes: parseAttributes(attributes ?? ''),
        children: [],
        text: '',
      };
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    } else if (text?.trim()) current.text += unescape(text);
  }
  if (stack.length !== 1) throw new Error('unclosed elements');
  return root.children[0]!;
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

function parseAttributes(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/([\w:-]+)="([^"]*)"/g)].map(([, key, value]) => [key!, unescape(value!)]),
  );
}

function unescape(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}
