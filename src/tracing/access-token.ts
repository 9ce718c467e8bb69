import { ConfigurationError } from '../configuration-error';
import { assertEnvName, assertNamespaceName, assertObjectName, assertSecretKey } from './_names';

/** Where the LightStep access token comes from. */
export enum AccessTokenSource {
  /** An environment variable of the shell that runs the install commands. */
  ENVIRONMENT = 'environment',
  /** A Kubernetes Secret created out of band. */
  SECRET = 'secret',
  /** A literal written into the generated files. */
  LITERAL = 'literal',
}

const DEFAULT_TOKEN_SECRET_NAME = 'lightstep-access-token';
const DEFAULT_TOKEN_SECRET_KEY = 'access_token';
const DEFAULT_TOKEN_ENV = 'LIGHTSTEP_ACCESS_TOKEN';

/**
 * The LightStep project access token. It is a credential: by default it never appears in generated files
 * and is supplied at install time, from the shell or from a Secret.
 */
export class AccessToken {
  /** The Secret the collector paths read the token from when it comes from the shell. */
  public static readonly DEFAULT_SECRET_NAME = DEFAULT_TOKEN_SECRET_NAME;
  /** Key of the token in that Secret, and the default key of `fromSecret`. */
  public static readonly DEFAULT_SECRET_KEY = DEFAULT_TOKEN_SECRET_KEY;
  /** The shell variable `fromEnv` reads by default. */
  public static readonly DEFAULT_ENV = DEFAULT_TOKEN_ENV;

  /**
   * The token is read from an environment variable of the shell that runs the install commands. The
   * generated files hold only the variable's name.
   * @param name the variable name
   */
  public static fromEnv(name = DEFAULT_TOKEN_ENV): AccessToken {
    assertEnvName('AccessToken.fromEnv', name);
    return new AccessToken(AccessTokenSource.ENVIRONMENT, name, undefined, undefined, undefined, undefined);
  }

  /**
   * The token is in an existing Secret, created out of band. On the collector paths (Istio
   * 1.15+) the collector reads it directly, so the Secret must live in the collector namespace; on the
   * native tracer paths the install command reads it with kubectl.
   * @param secretName name of the Secret
   * @param key key of the token in the Secret
   * @param namespace namespace of the Secret. By default the collector namespace (collector path) or the Istio namespace (native tracer paths)
   */
  public static fromSecret(secretName: string, key = DEFAULT_TOKEN_SECRET_KEY, namespace?: string): AccessToken {
    assertObjectName('AccessToken.fromSecret.secretName', secretName);
    assertSecretKey('AccessToken.fromSecret.key', key);
    if (namespace !== undefined) assertNamespaceName('AccessToken.fromSecret.namespace', namespace);
    return new AccessToken(AccessTokenSource.SECRET, undefined, secretName, key, namespace, undefined);
  }

  /**
   * The token is written into the generated files (install inputs or a Secret manifest). Anyone who can
   * read those files can send spans to the project; every construct that writes it records a warning.
   * @param token the access token
   */
  public static fromLiteralUnsafe(token: string): AccessToken {
    if (typeof token !== 'string' || token.trim() === '') {
      throw new ConfigurationError('AccessToken.fromLiteralUnsafe', token, 'the access token is empty',
        'give the token, or better AccessToken.fromEnv("LIGHTSTEP_ACCESS_TOKEN") to keep it out of generated files');
    }
    return new AccessToken(AccessTokenSource.LITERAL, undefined, undefined, undefined, undefined, token);
  }

  private constructor(
    /** Where the token comes from. */
    public readonly source: AccessTokenSource,
    /** The environment variable, for `fromEnv`. */
    public readonly envName: string | undefined,
    /** The Secret, for `fromSecret`. */
    public readonly secretName: string | undefined,
    /** The key in the Secret, for `fromSecret`. */
    public readonly secretKey: string | undefined,
    /** The Secret's namespace, when given to `fromSecret`. */
    public readonly secretNamespace: string | undefined,
    private readonly literal: string | undefined,
  ) {}

  /**
   * The token itself, for `fromLiteralUnsafe` only. Undefined for the other sources, whose value is
   * never known at synth time.
   */
  public get literalValue(): string | undefined {
    return this.literal;
  }

  /** The warning a construct records when it writes this literal token into a generated file. */
  public literalWarning(where: string): string {
    return `The LightStep access token given with AccessToken.fromLiteralUnsafe is written into ${where}. ` +
      'Do not commit or share that output; use AccessToken.fromEnv("LIGHTSTEP_ACCESS_TOKEN") to keep the token out of generated files.';
  }

  /**
   * A shell expression that yields the token at install time: the variable for `fromEnv`, a kubectl read
   * for `fromSecret`. Undefined for a literal token, which is already in the generated files.
   * @param defaultNamespace where the Secret of `fromSecret` lives when no namespace was given
   */
  public shellExpression(defaultNamespace: string): string | undefined {
    switch (this.source) {
      case AccessTokenSource.ENVIRONMENT:
        return `$${this.envName}`;
      case AccessTokenSource.SECRET: {
        const jsonPathKey = this.secretKey!.replace(/\./g, '\\.');
        return `$(kubectl -n ${this.secretNamespace ?? defaultNamespace} get secret ${this.secretName} -o jsonpath='{.data.${jsonPathKey}}' | base64 -d)`;
      }
      default:
        return undefined;
    }
  }
}
