export { createLogger, type Level, LEVELS, type LogDestination, type LogFields, type Logger, type LoggerLevel, type LoggerOptions } from './logger.js';
export { isSensitiveKey, REDACTED, redact, redactUrl } from './redact.js';
