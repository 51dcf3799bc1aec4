/**
 * Seconds in an ISO-8601 duration as the YouTube Data API writes them (`PT1H2M3S`, `P1DT2H`, `P0D` for a live
 * stream); null for anything else, so a malformed value reads as "duration unknown" rather than zero.
 */
export const parseIsoDuration = (text: string): number | null => {
  const match = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text)
  // "P" and "PT" alone match the pattern but say nothing.
  if (!match || text === "P" || text.endsWith("T")) return null
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)))
  return weeks! * 604_800 + days! * 86_400 + hours! * 3600 + minutes! * 60 + seconds!
}
