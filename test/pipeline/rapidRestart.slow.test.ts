import { describeRapidRestart } from "./rapidRestartProperty.js"

// The slow tier: the fifty interruptions the default tier ran before it took the first twelve.
describeRapidRestart(50)
