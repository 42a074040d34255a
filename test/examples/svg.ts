/**
 * A strict well-formedness check for the SVG files the plot tool writes (no XML
 * parser is a dependency here): every '<' opens a comment, declaration or a tag
 * with quoted attributes, tags nest and close in order, the root is <svg>, and
 * every '&' starts a known entity. Returns the parsed element names and texts.
 */
export interface SvgSummary {
  elements: string[];
  texts: string[];
}

export function checkSvg(svg: string): SvgSummary {
  const elements: string[] = [];
  const texts: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
  let i = 0;
  const body = svg.replace(/^\s*<\?xml[^>]*\?>/, '').replace(/<!--[^]*?-->/g, '');
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const text = body.slice(i, lt < 0 ? body.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) throw new Error(`bad entity in text ${JSON.stringify(text.slice(0, 40))}`);
    if (text.trim()) {
      if (!stack.length) throw new Error(`text outside the root element: ${JSON.stringify(text.slice(0, 40))}`);
      texts.push(text);
    }
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(body.slice(lt, lt + 60))}`);
    const [all, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (!stack.length && elements.length) throw new Error(`second root element <${name}>`);
      elements.push(name);
      if (!selfClose) stack.push(name);
    }
    i = lt + all.length;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
  if (elements[0] !== 'svg') throw new Error(`root element is <${elements[0]}>, expected <svg>`);
  return { elements, texts };
}
