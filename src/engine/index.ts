export { SloEngine, classify, figuresOf, type JudgedCounts, type EngineSnapshot, type EngineEvent, type SloFigures, type LatencyFigure, type AlertFigure, type EngineOptions } from './engine.js';
export { Series, LatencyBook, MINUTE, HOUR, DAY, MINUTE_SPAN, HOUR_SPAN, type Counts } from './series.js';
