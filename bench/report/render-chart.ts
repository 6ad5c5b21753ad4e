/**
 * Charts without a browser: a Vega-Lite spec is compiled to Vega, rendered to SVG by Vega's headless view,
 * and rasterised to PNG by resvg (a Rust renderer shipped as a prebuilt binary inside its npm package).
 */
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** DejaVu ships with Debian and its derivatives; resvg falls back to any system font without it. */
export const CHART_FONT = 'DejaVu Sans';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderPng(spec: TopLevelSpec, widthPx: number): Promise<Buffer> {
  const svg = await renderSvg(spec);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT },
  });
  return resvg.render().asPng();
}
