import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { buildOpenSlo } from './openslo.js';
import { planRules, type ServicePlan } from './plan.js';
import { buildRuleGroups } from './prometheus.js';
import { generatedHeader, renderOpenSlo, renderPrometheus, renderPrometheusOperator, type RulesFormat } from './render.js';
import { isAlert, type ServiceRules } from './rule-group.js';
import { shellWord } from './shell.js';

export interface GenerateOptions {
  format: RulesFormat;
  /** The `service` label, when the proxies use another than the spec's (one spec only). */
  service?: string;
}

/** One spec's output, as `--out DIR` writes it. */
export interface GeneratedFile {
  service: string;
  spec: string;
  /** `<service>.rules.yaml`, `<service>.prometheusrule.yaml` or `<service>.openslo.yaml`. */
  fileName: string;
  text: string;
  /** Recording and alerting rules (Prometheus formats) or OpenSLO objects. */
  summary: string;
}

export interface GeneratedRules {
  /** Every spec in one output (standard output). */
  combined: string;
  /** One output per spec. */
  files: GeneratedFile[];
}

const FILE_SUFFIX: Record<RulesFormat, string> = { prometheus: 'rules.yaml', 'prometheus-operator': 'prometheusrule.yaml', openslo: 'openslo.yaml' };

/**
 * Rules for several specs: one group set (or PrometheusRule, or OpenSLO
 * set) per spec. Deterministic: the same specs give the same bytes.
 * Throws SWORN_ERR_USAGE when two specs would share a service label, or
 * `--service` is given with several specs.
 *
 * @example
 * const { combined } = generateRules([await loadSpec('specs/petstore.yaml')], { format: 'prometheus' });
 */
export function generateRules(specs: readonly Spec[], options: GenerateOptions): GeneratedRules {
  if (options.service !== undefined && specs.length > 1) {
    throw new SwornError('SWORN_ERR_USAGE', `--service names one service, but ${specs.length} specs were given`, { hint: 'Run `sworn rules` once per spec with its --service, or set x-slo `service` in each spec.' });
  }
  const plans = specs.map((spec) => planRules(spec, options.service === undefined ? {} : { service: options.service }));
  const seen = new Map<string, string>();
  for (const plan of plans) {
    const other = seen.get(plan.service);
    if (other !== undefined) throw new SwornError('SWORN_ERR_USAGE', `${other} and ${plan.spec} both have the service label "${plan.service}": their rules would select the same series`, { hint: 'Give each spec its own `service` in info.x-slo (the proxies label their metrics with it).' });
    seen.set(plan.service, plan.spec);
  }
  const command = (list: readonly ServicePlan[]) => rulesCommand(list.map((p) => p.spec), options);
  const render = (list: readonly ServicePlan[]) => renderFormat(list, options.format, generatedHeader(command(list), list.map((p) => p.spec)));
  const files = plans.map((plan) => {
    const { text, summary } = render([plan]);
    return { service: plan.service, spec: plan.spec, fileName: `${fileSafe(plan.service)}.${FILE_SUFFIX[options.format]}`, text, summary };
  });
  const names = new Map<string, GeneratedFile>();
  for (const file of files) {
    const other = names.get(file.fileName);
    if (other) throw new SwornError('SWORN_ERR_USAGE', `the services "${other.service}" (${other.spec}) and "${file.service}" (${file.spec}) would both be written to ${file.fileName}`, { hint: 'Give the specs service names that differ in letters or digits, or run `sworn rules` once per spec.' });
    names.set(file.fileName, file);
  }
  return { combined: render(plans).text, files };
}

function renderFormat(plans: readonly ServicePlan[], format: RulesFormat, header: string): { text: string; summary: string } {
  if (format === 'openslo') {
    const objects = plans.flatMap(buildOpenSlo);
    const slos = objects.filter((o) => o.kind === 'SLO').length;
    return { text: renderOpenSlo(objects, header), summary: `${slos} SLO(s), ${objects.length - slos} other OpenSLO object(s)` };
  }
  const rules: ServiceRules[] = plans.map(buildRuleGroups);
  const all = rules.flatMap((r) => r.groups.flatMap((g) => g.rules));
  const alerts = all.filter(isAlert).length;
  const summary = `${all.length - alerts} recording rule(s), ${alerts} alert(s)`;
  return { text: format === 'prometheus' ? renderPrometheus(rules, header) : renderPrometheusOperator(rules, header), summary };
}

/** The command that prints exactly this output (for the generated header). */
export function rulesCommand(specs: readonly string[], options: GenerateOptions): string {
  const args = ['sworn', 'rules', ...specs.map(shellWord)];
  if (options.format !== 'prometheus') args.push('--format', options.format);
  if (options.service !== undefined) args.push('--service', shellWord(options.service));
  return args.join(' ');
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'service';
}
