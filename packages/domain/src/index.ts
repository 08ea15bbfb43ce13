export * from './ids.js';
export * from './update-type.js';
export * from './stock.js';
export * from './requests.js';
export * from './messages.js';
export * from './events.js';
export * from './errors.js';
export * from './access.js';
