import { devToken } from './api';

/** Who is using the page: a buyer or an operator, with the token the API knows them by. */
export interface Identity {
  name: string;
  token: string;
}

const key = (role: 'buyer' | 'operator') => `flash-sale.${role}`;

export function signedIn(role: 'buyer' | 'operator'): Identity | null {
  const saved = sessionStorage.getItem(key(role));
  return saved ? (JSON.parse(saved) as Identity) : null;
}

/** A dev token for the name (local and compose runs), or a token pasted in. */
export async function signIn(
  role: 'buyer' | 'operator',
  name: string,
  pastedToken?: string,
): Promise<Identity> {
  const token = pastedToken || (await devToken(name, role === 'operator'));
  const identity = { name, token };
  sessionStorage.setItem(key(role), JSON.stringify(identity));
  return identity;
}

export function signOut(role: 'buyer' | 'operator'): void {
  sessionStorage.removeItem(key(role));
}
