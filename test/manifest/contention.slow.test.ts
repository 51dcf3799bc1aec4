import { describeContention } from "./contentionProperty.js"

// The slow tier: the sizes the default tier ran before it halved them.
describeContention({ sqlite: { workers: 12, rows: 600 }, postgres: { workers: 10, rows: 300 } })
