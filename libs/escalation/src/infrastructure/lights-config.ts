/** The injection token of the configured light shares (ESCALATION_YELLOW_AT / ESCALATION_ORANGE_AT). */
export const LIGHTS = Symbol('LIGHTS');
