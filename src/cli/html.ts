/** What the HTML reports (`status --report`, `eval`) share: one page shell and one chart frame, inline, no script. */

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A self-contained page: opens anywhere, no network. `body` follows the page's `<h1>`, which is its title. */
export const htmlPage = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;max-width:720px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>${title}</h1>
${body}
</body></html>
`

/** Both score histograms: scores 0..1 along x, bars up from the axis. */
export const chart = { width: 640, height: 240, pad: 36 } as const

/** Where score `t` (0..1) lies along the x axis. */
export const chartX = (t: number) => chart.pad + t * (chart.width - 2 * chart.pad)

/** The chart around `bars`: axis, ticks at quarters, `overlay` (e.g. a threshold line), then the caption. */
export const chartSvg = (ariaLabel: string, bars: ReadonlyArray<string>, caption: string, overlay = "") => {
  const { width, height, pad } = chart
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<text x="${chartX(t).toFixed(1)}" y="${height - pad + 16}" font-size="11" text-anchor="middle">${t}</text>`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${ariaLabel}">` +
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/>${bars.join("")}${ticks.join("")}` +
    `${overlay}<text x="${width / 2}" y="${height - 4}" font-size="12" text-anchor="middle">${caption}</text></svg>`
}
