import type { SettingInForce } from "./settings.js"

/** `kidvoice config --print` as a table: config key, value, where it came from. Pure. */
export const formatSettingsTable = (rows: ReadonlyArray<SettingInForce>): string => {
  const shown = rows.map((r) => ({ key: r.configKey, value: r.value === null ? "none" : typeof r.value === "string" ? r.value : JSON.stringify(r.value), source: r.source }))
  const keyWidth = Math.max("setting".length, ...shown.map((r) => r.key.length))
  const valueWidth = Math.min(40, Math.max("value".length, ...shown.map((r) => r.value.length)))
  return [
    `${"setting".padEnd(keyWidth)}  ${"value".padEnd(valueWidth)}  from`,
    ...shown.map((r) => `${r.key.padEnd(keyWidth)}  ${r.value.padEnd(valueWidth)}  ${r.source}`)
  ].join("\n")
}
