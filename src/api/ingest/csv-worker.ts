/**
 * piscina worker: parses and validates one uploaded CSV off the API thread, so a 50 MB upload never stalls
 * the event loop that serves the live feed and the health probes. Pure CPU work, no I/O.
 */
import { parseCdrCsv } from '../../codec/index.js';
import type { CsvParseResult, CsvParseTask } from './csv-protocol.js';

export default function parseCsvTask(task: CsvParseTask): CsvParseResult {
  const conversion = parseCdrCsv(task.csv, {
    timeZone: task.timeZone,
    nowMs: task.nowMs,
    maxErrors: task.maxErrors,
  });
  const callers = new Set<string>();
  const records = conversion.records.map((record) => {
    callers.add(record.json.caller);
    return record.json;
  });
  return {
    records,
    errors: conversion.errors,
    errorCount: conversion.errorCount,
    rowCount: conversion.rowCount,
    fileError: conversion.fileError,
    distinctCallers: callers.size,
  };
}
