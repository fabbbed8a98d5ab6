import { EndpointError } from './errors';
import type { Redactor } from './redactor';

/** Scope of the Azure ML data plane, for Microsoft Entra ID tokens. */
export const AZURE_ML_SCOPE = 'https://ml.azure.com/.default';

/** Interactive sign-in (may show VS Code's account dialog), or only an existing session. */
export type SessionRequest = { createIfNone: true } | { silent: true };

/**
 * The one call of VS Code's authentication API that sign-in needs (`vscode.authentication`
 * fits it), kept behind this interface so that sign-in is testable without VS Code.
 */
export interface SessionSource {
  getSession(
    providerId: string,
    scopes: string[],
    request: SessionRequest,
  ): PromiseLike<{ accessToken: string } | undefined>;
}

/**
 * The scopes asked for: the Azure ML scope, plus VS Code's `VSCODE_TENANT:<id>` pseudo-scope
 * only when the endpoint names a tenant (without it the account's home tenant is used).
 */
export function entraScopes(tenant: string | undefined): string[] {
  const id = tenant?.trim();
  return id ? [AZURE_ML_SCOPE, `VSCODE_TENANT:${id}`] : [AZURE_ML_SCOPE];
}

export interface EntraSignIn {
  endpointName: string;
  tenant?: string;
  /** Authentication provider id (setting medimageparse.auth.providerId, "microsoft" by default). */
  providerId: string;
  interactive: boolean;
}

/**
 * Signs in (interactively when asked) and returns an Azure ML access token, registered with the
 * redactor before anyone sees it so no later log line or message can carry it. Throws an
 * EndpointError: 'auth' when not signed in or the provider failed, 'cancelled' when the user
 * cancelled the sign-in.
 */
export async function entraToken(
  sessions: SessionSource,
  signIn: EntraSignIn,
  redactor: Redactor,
): Promise<string> {
  const name = signIn.endpointName;
  let session: { accessToken: string } | undefined;
  try {
    session = await sessions.getSession(
      signIn.providerId,
      entraScopes(signIn.tenant),
      signIn.interactive ? { createIfNone: true } : { silent: true },
    );
  } catch (error) {
    // VS Code rejects with a CancellationError ("Canceled") when the user closes the sign-in,
    // and with an Error when the provider fails or consent is refused.
    if (error instanceof Error && error.name === 'Canceled') {
      throw new EndpointError('cancelled', `Endpoint '${name}': sign-in with Microsoft was cancelled.`);
    }
    const reason = redactor.redact(error instanceof Error ? error.message : String(error));
    throw new EndpointError(
      'auth',
      `Endpoint '${name}': sign-in with Microsoft failed (${reason}). Run "MedImageParse: Sign In with Microsoft" and try again.`,
    );
  }
  if (!session) {
    throw new EndpointError(
      'auth',
      `Endpoint '${name}': not signed in. Run "MedImageParse: Sign In with Microsoft" and try again.`,
    );
  }
  redactor.addSecret(session.accessToken);
  return session.accessToken;
}
