import { String as Str } from "effect"

/** How the manifest's SQL column names (snake_case) map to TypeScript field names (camelCase), both ways. */
export const columnNames = {
  toSql: Str.camelToSnake,
  fromSql: Str.snakeToCamel
} as const
