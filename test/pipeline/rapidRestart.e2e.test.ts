import { describeRapidRestart } from "./rapidRestartProperty.js"

// Twelve interruptions (the first twelve delays of the slow tier's fifty, from 0 to 1,000 ms); the slow tier runs all fifty.
describeRapidRestart(12)
