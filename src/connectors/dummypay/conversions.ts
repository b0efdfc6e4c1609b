// Conversions: pages through conversions.json and maps each record to a PspConversion.
import type { Logger } from 'pino';
import { assetFromCurrency } from '../../domain/assets.js';
import { CONVERSION_STATUSES } from '../../domain/enums.js';
import type { FetchNextRequest, FetchNextResponse, PspConversion } from '../sdk/contract.js';
import { CONVERSIONS_FILE, type ConversionRecord, type DummyPayClient } from './client.js';
import { mapEntries, parseTimestamp, type Mapped } from './mapping.js';
import { oneOf, optionalAsset } from './orders.js';
import { takePage } from './paging.js';

export async function fetchNextConversions(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspConversion>> {
  const page = takePage(await client.listConversions(), request.state, request.pageSize);
  const { items, skipped } = mapEntries(page.entries, toPspConversion, logger, CONVERSIONS_FILE);
  return { items, skipped, newState: page.newState, hasMore: page.hasMore };
}

export function toPspConversion(record: ConversionRecord, raw: unknown): Mapped<PspConversion> {
  const status = oneOf(CONVERSION_STATUSES, record.status);
  if (!status) return { skip: `unknown conversion status "${record.status}"` };
  const sourceAsset = assetFromCurrency(record.source_currency);
  if (!sourceAsset) return { skip: `unknown source_currency "${record.source_currency}"` };
  const destinationAsset = assetFromCurrency(record.destination_currency);
  if (!destinationAsset) return { skip: `unknown destination_currency "${record.destination_currency}"` };
  const createdAt = parseTimestamp(record.created_at);
  if (!createdAt) return { skip: `created_at "${record.created_at}" is not an RFC 3339 timestamp` };
  let updatedAt = createdAt;
  if (record.updated_at !== undefined) {
    const parsed = parseTimestamp(record.updated_at);
    if (!parsed) return { skip: `updated_at "${record.updated_at}" is not an RFC 3339 timestamp` };
    updatedAt = parsed;
  }
  const fee = optionalAsset('fee_currency', record.fee_currency);
  if ('skip' in fee) return fee;
  if (record.source_amount < 0n) return { skip: `negative source_amount ${record.source_amount}` };

  const conversion: PspConversion = {
    reference: record.id,
    createdAt,
    updatedAt,
    sourceAsset,
    destinationAsset,
    sourceAmount: record.source_amount,
    status,
    metadata: {},
    raw,
  };
  if (record.destination_amount !== undefined) conversion.destinationAmount = record.destination_amount;
  if (record.fee !== undefined) conversion.fee = record.fee;
  if (fee.asset !== undefined) conversion.feeAsset = fee.asset;
  if (record.error !== undefined) conversion.error = record.error;
  if (record.source_account_id !== undefined) conversion.sourceAccountReference = record.source_account_id;
  if (record.destination_account_id !== undefined) {
    conversion.destinationAccountReference = record.destination_account_id;
  }
  return { item: conversion };
}
