/**
 * piscina worker: parses and validates one upload off the API thread, through the input profile the upload
 * names (the seed's CSV by default), so a 50 MB upload never stalls the event loop that serves the live feed
 * and the health probes. Pure CPU work, no I/O.
 */
import { cdrToJson, convertDocument, profileByName, type CdrJson } from '../../codec/index.js';
import type { CsvParseResult, CsvParseTask } from './csv-protocol.js';

export default function parseCsvTask(task: CsvParseTask): CsvParseResult {
  // The API thread checked the name; building the profile here keeps it in the thread that uses it.
  const profile = profileByName(task.profile, {
    timeZone: task.timeZone,
    numberPlan: task.numberPlan,
    mapping: task.mapping,
    nowMs: task.nowMs,
  });
  const conversion = convertDocument(profile, task.csv, {
    maxErrors: task.maxErrors,
    decode: { nowMs: task.nowMs },
  });
  const callers = new Set<number>();
  const records = conversion.records.map((record) => {
    callers.add(record.cdr.caller);
    return JSON.parse(cdrToJson(record.cdr)) as CdrJson;
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
