/** Types of `asl-validator` 4.0.0, which ships none (dist/src/validator.js exports one function). */
declare module 'asl-validator' {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message: string; readonly 'Error code'?: string }[];
    errorsText(separator?: string): string;
  }
  interface ValidationOptions {
    readonly checkPaths: boolean;
    readonly checkArn: boolean;
  }
  function validator(definition: unknown, options?: ValidationOptions): ValidationResult;
  export = validator;
}
