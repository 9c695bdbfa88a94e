/**
 * What the pages tell a person for each error code the API answers (docs/api.md lists
 * them). A test checks that every code has its sentence.
 */
export const ERROR_MESSAGES: Record<string, string> = {
  INVALID_REQUEST: 'That request was not valid.',
  PAYLOAD_TOO_LARGE: 'That request was too large.',
  UNAUTHORIZED: 'Sign in again: your token is missing or has expired.',
  FORBIDDEN: 'That is not yours to see or change.',
  NOT_FOUND: 'There is no such sale or order.',
  SOLD_OUT: 'Sold out. Units can come back when unpaid orders expire: keep the page open.',
  LIMIT_REACHED: 'You already bought as many as this sale allows.',
  NOT_STARTED: 'The sale has not opened yet.',
  ENDED: 'The sale has ended.',
  ORDER_CLOSED: 'This order is already closed.',
  ORDER_LOST:
    'This order was lost in a server failure before it was saved. Nothing was charged; you may buy again.',
  PAYMENT_DECLINED: 'The payment was declined. You can try again before the order expires.',
  DUPLICATE_EVENT: 'That payment confirmation was already received.',
  RATE_LIMITED: 'Too many tries at once. Wait a moment and try again.',
  UNAVAILABLE: 'The shop is busy or recovering. Nothing was sold; try again in a moment.',
  INTERNAL: 'Something went wrong on our side.',
  NOT_IMPLEMENTED: 'This shop does not do that.',
  NOT_REGISTERED: 'This sale takes appointments: register first.',
  REGISTRATION_CLOSED: 'Registration for this sale is not open.',
  FCODE_INVALID: 'That F-code is not valid for this sale, or it is used.',
  ADMISSION_REQUIRED: 'This sale has a waiting room: join the line and wait for your turn.',
  ADMISSION_INVALID: 'Your turn has lapsed or your pass is not valid: join the line again.',
  NOT_ENABLED: 'This sale does not have that.',
  PROOF_OF_WORK_REQUIRED: 'This sale asks your browser to do a short puzzle first.',
  PROOF_OF_WORK_INVALID: 'The puzzle answer was not accepted (it may have expired): try again.',
  HUMAN_CHECK_REQUIRED: 'This shop asks you to pass a quick check that you are a person first.',
  HUMAN_CHECK_FAILED: 'The check that you are a person did not pass: try it again.',
  HUMAN_CHECK_UNAVAILABLE:
    'The check that you are a person is not answering: try again in a moment.',
};

/** A person's sentence for an answer's error code (the server's own message if unknown). */
export function explain(code: string, message?: string): string {
  return ERROR_MESSAGES[code] ?? message ?? `The server answered ${code}.`;
}
