// Areas and points in WGS 84 degrees: which district holds a point (dispatch's jurisdictions) and
// how a map draws them (the console's one map). Pure and dependency-free, so it runs in the browser.
export * from './area';
export * from './map';
