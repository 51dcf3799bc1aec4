import { describeContention } from "./contentionProperty.js"

// Enough processes to contend for every claim on two cores; the slow tier runs twice as many on twice the rows.
describeContention({ sqlite: { workers: 6, rows: 300 }, postgres: { workers: 5, rows: 150 } })
