"""The message catalogue: every word churnlab shows a person, in English and Brazilian Portuguese.

Keys are dotted: ``action.<label>``, ``reason.<dismissal reason>``,
``feature.<feature>[.variant]`` (case reasons), ``network.<group>[.variant]``
(network reasons), ``column.<column>`` (headers of files for people),
``page.*``, ``chart.*``, ``report.*``, ``status.*`` and ``sheet.*``. A message is a :meth:`str.format`
template; its number fields are written the reader's way by
:func:`churnlab.i18n.say`. To add a language, add a field to :class:`Message`
and fill it everywhere (a test checks no key lacks it).
"""

from __future__ import annotations

from typing import NamedTuple


class Message(NamedTuple):
    """One message in each language."""

    en: str
    pt: str


_NO_GLOSA = Message("no glosa on record", "nenhuma glosa registrada")

ACTIONS = {
    "none": Message("No special offer", "Nenhuma oferta especial"),
    "new_prices": Message("Offer new prices", "Oferecer novos valores"),
    "support": Message("Offer support", "Oferecer suporte"),
    "publicity": Message("Offer publicity in the network directory", "Oferecer divulgação no guia da rede"),
    "training": Message("Offer training", "Oferecer treinamento"),
    "refresher": Message("Offer a refresher course", "Oferecer reciclagem"),
    "other": Message("Other offer", "Outra oferta"),
}

DISMISSAL_REASONS = {
    "loss_of_contact": Message("lost contact", "perda de contato"),
    "health_problems": Message("health problems", "problemas de saúde"),
    "rude_beneficiary": Message("rude beneficiaries", "beneficiários mal-educados"),
    "fees": Message("fees too low", "honorários baixos"),
    "franchise": Message("franchise", "franquia"),
    "technical_lead_change": Message("change of technical lead", "troca de responsável técnico"),
    "provider_removed": Message("provider removed", "prestador descredenciado"),
    "no_service_location": Message("no place to work", "sem local de atendimento"),
    "glosas": Message("glosas (refused claims)", "glosas"),
    "system_difficulties": Message("trouble with the system", "dificuldades com o sistema"),
    "guide_release_time": Message("slow guide release", "demora na liberação de guias"),
    "closed_business": Message("closing the practice", "encerramento das atividades"),
    "technical_rules": Message("technical rules", "regras técnicas"),
    "aesthetic_only": Message("aesthetic work only", "apenas estética"),
    "retired": Message("retiring", "aposentadoria"),
    "low_demand": Message("few patients", "baixa demanda"),
    "central_contact_difficulty": Message(
        "cannot reach the call centre", "dificuldade de contato com a central"
    ),
    "operator_support_lacking": Message("no support from the operator", "falta de apoio da operadora"),
    "undue_charges": Message("undue charges", "cobranças indevidas"),
    "operator_bureaucracy": Message("bureaucracy", "burocracia da operadora"),
    "care_denied": Message("care denied", "atendimento negado"),
    "lawsuit_threat": Message("threat of lawsuit", "ameaça de processo"),
    "outsourced_care": Message("outsourced care", "atendimento terceirizado"),
    "migration": Message("moving to another plan", "migração para outro convênio"),
    "private_patients": Message("own private patients", "pacientes particulares"),
    "studies": Message("studies", "estudos"),
    "public_servant": Message("public servant", "servidor público"),
    "moved_area": Message("moving away", "mudança de região"),
    "death": Message("death", "óbito"),
    "personal_reasons": Message("personal reasons", "motivos particulares"),
}

FEATURES = {
    "up": Message("↑ raises the risk: {reason}", "↑ aumenta o risco: {reason}"),
    "down": Message("↓ lowers the risk: {reason}", "↓ reduz o risco: {reason}"),
    "reason": Message("first note gives the reason “{reason}”", "o primeiro contato dá o motivo “{reason}”"),
    "unknown": Message("{name} not on the form", "{name} não consta no formulário"),
    "other": Message("{name} = {value:g}", "{name} = {value:g}"),
    "tenure_years": Message(
        "{value:plural.1f:# year|# years} in the network", "{value:plural.1f:# ano|# anos} na rede"
    ),
    "tenure_years.unknown": Message(
        "inclusion date not on the form", "data de inclusão não consta no formulário"
    ),
    "person_type_j.yes": Message("a clinic (legal entity)", "clínica (pessoa jurídica)"),
    "person_type_j.no": Message("an individual dentist", "dentista pessoa física"),
    "person_type_j.unknown": Message(
        "person type (J/F) not on the form", "tipo de pessoa (F/J) não consta no formulário"
    ),
    "requested_by_operator.yes": Message(
        "the operator asked for the dismissal", "a operadora pediu o desligamento"
    ),
    "requested_by_operator.no": Message(
        "the dentist asked for the dismissal", "o dentista pediu o desligamento"
    ),
    "requested_by_operator.unknown": Message(
        "who asked for the dismissal not on the form", "quem pediu o desligamento não consta no formulário"
    ),
    "cro_count": Message(
        "{value:plural:# CRO|# CROs} on the form", "{value:plural:# CRO|# CROs} no formulário"
    ),
    "cro_count.one": Message("a single CRO on the form", "um único CRO no formulário"),
    "cro_count.unknown": Message("number of CROs not on the form", "número de CROs não consta no formulário"),
    "log_lives": Message(
        "{amount:plural:# life|# lives} in the area", "{amount:plural:# vida|# vidas} na região"
    ),
    "log_lives.unknown": Message(
        "lives in the area not on the form", "vidas na região não constam no formulário"
    ),
    "log_listed_cros": Message(
        "{amount:plural:# listed dentist|# listed dentists} in the area",
        "{amount:plural:# dentista divulgado|# dentistas divulgados} na região",
    ),
    "log_listed_cros.unknown": Message(
        "listed dentists in the area not on the form",
        "dentistas divulgados na região não constam no formulário",
    ),
    "other_plans.yes": Message("serves other plans", "atende outros convênios"),
    "other_plans.no": Message("serves no other plan", "não atende outros convênios"),
    "other_plans.unknown": Message(
        "not known whether the dentist serves other plans", "não se sabe se atende outros convênios"
    ),
    "other_plans_count": Message(
        "serves {value:plural:# other plan|# other plans}",
        "atende {value:plural:# outro convênio|# outros convênios}",
    ),
    "other_plans_count.zero": Message("serves no other plan", "não atende outros convênios"),
    "us_value": Message("fee unit R$ {value:.2f}", "US de R$ {value:.2f}"),
    "us_value.unknown": Message("fee unit not on the form", "valor da US não consta no formulário"),
    "no_guides.yes": Message(
        "no guides issued lately (SEM GUIAS)", "sem guias emitidas recentemente (SEM GUIAS)"
    ),
    "no_guides.no": Message("has been issuing guides", "tem emitido guias"),
    "months_since_production": Message(
        "last production {value:plural:in the month of the request|a month before the request|"
        "# months before the request}",
        "última produção {value:plural:no mês do pedido|um mês antes do pedido|# meses antes do pedido}",
    ),
    "months_since_production.unknown": Message(
        "date of last production unknown", "data da última produção desconhecida"
    ),
    "log_last_production_value": Message(
        "last production worth R$ {amount:,.2f}", "última produção de R$ {amount:,.2f}"
    ),
    "log_last_production_value.unknown": Message(
        "value of last production not on the form", "valor da última produção não consta no formulário"
    ),
    "glosa_count": Message(
        "{value:plural:# glosa|# glosas} before the request",
        "{value:plural:# glosa|# glosas} antes do pedido",
    ),
    "glosa_count.zero": _NO_GLOSA,
    "glosa_count_12m": Message(
        "{value:plural:# glosa|# glosas} in the 12 months before the request",
        "{value:plural:# glosa|# glosas} nos 12 meses antes do pedido",
    ),
    "glosa_count_12m.zero": Message(
        "no glosa in the 12 months before the request", "nenhuma glosa nos 12 meses antes do pedido"
    ),
    "glosa_technical_share": Message("{value:.0%} of glosas technical", "{value:.0%} das glosas técnicas"),
    "glosa_technical_share.none": _NO_GLOSA,
    "glosa_distinct_codes": Message(
        "glosas under {value:plural:# code|# different codes}",
        "glosas sob {value:plural:# código|# códigos diferentes}",
    ),
    "glosa_distinct_codes.one": Message("glosas under a single code", "glosas sob um único código"),
    "glosa_distinct_codes.zero": _NO_GLOSA,
    "months_since_last_glosa": Message(
        "last glosa {value:plural:in the month of the request|a month before the request|"
        "# months before the request}",
        "última glosa {value:plural:no mês do pedido|um mês antes do pedido|# meses antes do pedido}",
    ),
    "months_since_last_glosa.none": _NO_GLOSA,
    "log_glosa_value": Message("R$ {amount:,.2f} refused in glosas", "R$ {amount:,.2f} glosados"),
    "log_glosa_value.zero": _NO_GLOSA,
    "note_length": Message(
        "first note of {value:plural:# word|# words}",
        "primeiro registro com {value:plural:# palavra|# palavras}",
    ),
}
"""Case reasons (``feature.*``): ``up``/``down`` lead each reason with its direction; a feature's
variants ``.zero``, ``.one``, ``.yes``/``.no``, ``.none`` (nothing to measure: no glosa) and
``.unknown`` (not on the form: never shown as a reason) say its special values."""

NETWORK = {
    "production": Message(
        "{guides:plural:no guide|# guide|# guides} a month over the last 3 months",
        "{guides:plural:nenhuma guia|# guia|# guias} por mês nos últimos 3 meses",
    ),
    "production.down": Message(
        "production down {drop:.0%} (guides, last 3 months vs the 9 before); "
        "{guides:plural:none|# a month|# a month} now",
        "produção {drop:.0%} menor (guias, últimos 3 meses contra os 9 anteriores); "
        "{guides:plural:nenhuma|# por mês|# por mês} agora",
    ),
    "months_without_guide": Message(
        "no guide {months:plural:last month|in the last # months}",
        "nenhuma guia {months:plural:no último mês|nos últimos # meses}",
    ),
    "months_without_guide.recent": Message("issued guides last month", "emitiu guias no último mês"),
    "months_without_guide.never": Message(
        "no guide in the {months:plural:month|# months} of production on file",
        "nenhuma guia {months:plural:no mês|nos # meses} de produção registrados",
    ),
    "glosas": Message(
        "{glosas_12m:plural:# glosa|# glosas} in 12 months ({glosas_3m:.0f} in the last 3; "
        "{per_guide:.1%} of guides)",
        "{glosas_12m:plural:# glosa|# glosas} em 12 meses ({glosas_3m:.0f} nos últimos 3; "
        "{per_guide:.1%} das guias)",
    ),
    "glosas.technical": Message(
        "{glosas_12m:plural:# glosa|# glosas} in 12 months ({glosas_3m:.0f} in the last 3, "
        "{share:.0%} technical; {per_guide:.1%} of guides)",
        "{glosas_12m:plural:# glosa|# glosas} em 12 meses ({glosas_3m:.0f} nos últimos 3, "
        "{share:.0%} técnicas; {per_guide:.1%} das guias)",
    ),
    "fee_unit": Message("fee unit (US) R$ {value:.2f}", "valor da US R$ {value:.2f}"),
    "tenure": Message(
        "in the network for {months:plural:# month|# months}", "na rede há {months:plural:# mês|# meses}"
    ),
    "earlier_cases": Message(
        "asked to leave {count:plural:# time|# times} before, the last "
        "{months:plural:this month|a month ago|# months ago}",
        "pediu desligamento {count:plural:# vez|# vezes} antes, a última "
        "{months:plural:neste mês|há um mês|há # meses}",
    ),
    "earlier_cases.one": Message(
        "asked to leave once before, {months:plural:this month|a month ago|# months ago}",
        "pediu desligamento uma vez antes, {months:plural:neste mês|há um mês|há # meses}",
    ),
    "earlier_cases.none": Message("never asked to leave before", "nunca pediu desligamento antes"),
    "market": Message(
        "market: {dentists:plural:# network dentist|# network dentists} in the city",
        "mercado: {dentists:plural:# dentista|# dentistas} da rede na cidade",
    ),
}
"""Network reasons (``network.*``), led by the same ``feature.up``/``feature.down`` words."""

COLUMNS = {
    "priority": Message("Priority", "Prioridade"),
    "source": Message("Form file", "Arquivo do formulário"),
    "dismissal_risk": Message("Dismissal risk", "Risco de desligamento"),
    "best_action": Message("Model's best action", "Melhor ação segundo o modelo"),
    "best_action_words": Message("Suggested offer", "Oferta sugerida"),
    "p_retained": Message("Chance of retention: {action}", "Chance de retenção: {action}"),
    "uplift": Message("Retention uplift of the best action", "Aumento da chance de retenção da melhor ação"),
    "uplift_low": Message("Uplift, lower bound", "Aumento, limite inferior"),
    "uplift_high": Message("Uplift, upper bound", "Aumento, limite superior"),
    "expected_gain": Message("Expected gain (R$)", "Ganho esperado (R$)"),
    "dentist_value": Message("Dentist's value (R$)", "Valor do dentista (R$)"),
    "reasons": Message("Top reasons", "Principais motivos"),
    "best_action_note": Message("Note on the action", "Observação sobre a ação"),
    "status": Message("Status", "Situação"),
    "dentist": Message("Dentist", "Dentista"),
    "city": Message("City", "Cidade"),
    "uf": Message("UF", "UF"),
    "opened_on": Message("Opened on", "Aberto em"),
    "cro": Message("CRO/UF", "CRO/UF"),
    "phones": Message("Phones (from the form)", "Telefones (do formulário)"),
    "emails": Message("E-mails (from the form)", "E-mails (do formulário)"),
    "stated_reason": Message("Stated reason", "Motivo declarado"),
    "name": Message("Name", "Nome"),
    "risk_30d": Message("Risk in 30 days", "Risco em 30 dias"),
    "risk_90d": Message("Risk in 90 days", "Risco em 90 dias"),
    "risk_180d": Message("Risk in 180 days", "Risco em 180 dias"),
    "expected_loss": Message("Expected loss (R$)", "Perda esperada (R$)"),
    "months_since_last_guide": Message("Months since the last guide", "Meses desde a última guia"),
    "guides_3m": Message("Guides a month, last 3 months", "Guias por mês, últimos 3 meses"),
    "glosas_3m": Message("Glosas, last 3 months", "Glosas, últimos 3 meses"),
    "glosas_12m": Message("Glosas, last 12 months", "Glosas, últimos 12 meses"),
    "tenure_months": Message("Months in the network", "Meses na rede"),
    "earlier_cases": Message("Earlier retention cases", "Casos de retenção anteriores"),
    "explored": Message("Explored (random offer)", "Exploração (oferta sorteada)"),
}

PAGE = {
    "title": Message("Retention worklist", "Lista de retenção"),
    "summary": Message(
        "{n} open cases, ranked by the expected gain of a call (value of trying the best offer over "
        "doing nothing special); total {total}. Made {made}.",
        "{n} casos abertos, ordenados pelo ganho esperado de uma ligação (valor de tentar a melhor oferta "
        "em vez de nenhuma oferta especial); total {total}. Gerada em {made}.",
    ),
    "model_trained": Message("Model trained {when}.", "Modelo treinado em {when}."),
    "no_open_cases": Message("No open cases: nobody to call.", "Nenhum caso aberto: ninguém para ligar."),
    "chart_alt": Message(
        "Cumulative expected gain against number of calls, ranking by expected gain "
        "compared with ranking by risk",
        "Ganho esperado acumulado pelo número de ligações, ordenando por ganho esperado e por risco",
    ),
    "all": Message("all", "todos"),
    "showing": Message("showing {shown} of {total}", "mostrando {shown} de {total}"),
    "no_name": Message("(no name)", "(sem nome)"),
    "no_strong_signal": Message("no strong signal", "nenhum sinal forte"),
    "city_uf": Message("City/UF", "Cidade/UF"),
    "risk": Message("Risk", "Risco"),
    "expected_gain": Message("Expected gain", "Ganho esperado"),
    "network_heading": Message(
        "Not yet asked to leave: at risk in the next 90 days",
        "Ainda não pediram desligamento: em risco nos próximos 90 dias",
    ),
    "network_summary": Message(
        "{n} active dentists without a case, as of {as_of}, ranked by expected loss (90-day risk × "
        "the dentist's value); the {shown} first here, all of them in the CSV beside this page.",
        "{n} dentistas ativos sem caso aberto, em {as_of}, ordenados pela perda esperada (risco em 90 dias "
        "× valor do dentista); os {shown} primeiros aqui, todos no CSV ao lado desta página.",
    ),
    "risk_90d": Message("Risk (90 days)", "Risco (90 dias)"),
    "expected_loss": Message("Expected loss", "Perda esperada"),
    "months_without_guide": Message("Months without a guide", "Meses sem guia"),
    "explored": Message("random offer (exploration)", "oferta sorteada (exploração)"),
    "yes": Message("Yes", "Sim"),
    "no": Message("No", "Não"),
    "contact": Message("Contact", "Contato"),
    "stated_reason": Message("Stated reason", "Motivo declarado"),
    "no_contact": Message("no phone or e-mail on the form", "sem telefone ou e-mail no formulário"),
    "out_of_reach_action": Message("No retention action indicated", "Sem ação de retenção indicada"),
    "out_of_reach_heading": Message("No retention action indicated", "Sem ação de retenção indicada"),
    "out_of_reach_summary": Message(
        "{n} open cases whose stated reason puts the dentist out of reach of an offer (retiring, "
        "closing the practice, moving away, death), and the closed cases do not show an action "
        "working for that reason: listed to be closed with care, with nothing to offer.",
        "{n} casos abertos cujo motivo declarado deixa o dentista fora do alcance de uma oferta "
        "(aposentadoria, encerramento das atividades, mudança de região, óbito), e os casos fechados não "
        "mostram uma ação que funcione para esse motivo: listados para encerrar com cuidado, sem oferta.",
    ),
    "out_of_reach_summary.one": Message(
        "One open case whose stated reason puts the dentist out of reach of an offer (retiring, "
        "closing the practice, moving away, death), and the closed cases do not show an action "
        "working for that reason: listed to be closed with care, with nothing to offer.",
        "Um caso aberto cujo motivo declarado deixa o dentista fora do alcance de uma oferta "
        "(aposentadoria, encerramento das atividades, mudança de região, óbito), e os casos fechados não "
        "mostram uma ação que funcione para esse motivo: listado para encerrar com cuidado, sem oferta.",
    ),
    "which_box": Message(
        "On the form, tick “{box}”; on the older plain-text form, “Ofertado treinamento/ ou reciclagem”.",
        "No formulário, marque “{box}”; no formulário antigo (texto), “Ofertado treinamento/ ou reciclagem”.",
    ),
    "network_action": Message("Suggested action", "Ação sugerida"),
    "network_no_action": Message(
        "— (suggested action): the recommender learns what works from retention cases, which these "
        "dentists do not have yet; a call to listen comes first.",
        "— (ação sugerida): o recomendador aprende o que funciona com os casos de retenção, que estes "
        "dentistas ainda não têm; primeiro, uma ligação para ouvir.",
    ),
}

CHART = {
    "title": Message("What each additional call is worth", "Quanto vale cada ligação a mais"),
    "calls": Message("number of calls", "número de ligações"),
    "gain": Message("cumulative expected gain (R$)", "ganho esperado acumulado (R$)"),
    "by_expected_gain": Message("by expected gain (this list)", "por ganho esperado (esta lista)"),
    "by_dismissal_risk": Message("by dismissal risk", "por risco de desligamento"),
    "random": Message("in random order", "em ordem aleatória"),
}

REPORT = {
    "title": Message(
        "Retention report: what the list offered and what happened",
        "Relatório de retenção: o que a lista ofereceu e o que aconteceu",
    ),
    "summary": Message(
        "{recommended} cases offered an action by churnlab from {first} to {last}; {closed} of them closed "
        "since, {open} still open. Made {made}.",
        "{recommended} casos receberam uma oferta do churnlab de {first} a {last}; {closed} deles já foram "
        "fechados, {open} seguem abertos. Gerado em {made}.",
    ),
    "nothing": Message(
        "No recommended case has closed yet: nothing to judge.",
        "Nenhum caso recomendado foi fechado ainda: nada a avaliar.",
    ),
    "in_short": Message("In short", "Em resumo"),
    "short_kept": Message(
        "{kept} of the {closed} dentists whose case closed stayed in the network ({rate}).",
        "{kept} dos {closed} dentistas com caso fechado ficaram na rede ({rate}).",
    ),
    "short_followed": Message(
        "Where the lead made the list's offer, {followed} stayed (n = {n_followed}); where the lead did "
        "something else, {not_followed} (n = {n_not}).",
        "Quando a equipe fez a oferta da lista, {followed} ficaram (n = {n_followed}); quando fez outra "
        "coisa, {not_followed} (n = {n_not}).",
    ),
    "short_policy": Message(
        "Had every case been offered churnlab's best action, we estimate {value} would have stayed "
        "(likely between {low} and {high}).",
        "Se todos recebessem a melhor ação do churnlab, estimamos que {value} ficariam "
        "(provavelmente entre {low} e {high}).",
    ),
    "short_policy_unsure": Message(
        "What offering churnlab's best action to every case would give cannot be told yet: too few "
        "cases for a firm estimate.",
        "Ainda não dá para dizer quanto renderia oferecer a todos a melhor ação do churnlab: poucos "
        "casos para uma estimativa firme.",
    ),
    "short_none": Message(
        "With no special offer, we estimate {value}.",
        "Sem oferta especial, estimamos {value}.",
    ),
    "short_none_unsure": Message(
        "What no special offer would give cannot be told yet (too few cases).",
        "Ainda não dá para dizer quanto ficariam sem oferta especial (poucos casos).",
    ),
    "policies": Message("Retention by policy", "Retenção por política"),
    "policy": Message("Policy", "Política"),
    "retention": Message("Retention", "Retenção"),
    "interval": Message("Likely range (95%)", "Faixa provável (95%)"),
    "reais": Message("R$ per case (value kept − cost)", "R$ por caso (valor mantido − custo)"),
    "cases": Message("Cases", "Casos"),
    "churnlab": Message(
        "Offer churnlab's best action to every case", "Oferecer a todos a melhor ação do churnlab"
    ),
    "no_offer": Message("Offer nothing special", "Não fazer oferta especial"),
    "practice": Message("What was done", "O que foi feito"),
    "followed": Message("Cases where the list's offer was made", "Casos em que a oferta da lista foi feita"),
    "not_followed": Message("Cases where it was not", "Casos em que não foi"),
    "few": Message("few cases (n = {n})", "poucos casos (n = {n})"),
    "wide": Message("wide range (±{points} points)", "faixa larga (±{points} pontos)"),
    "clipped": Message(
        "† Estimated outside 0–100% ({items}): too few cases to estimate it; shown at the limit "
        "(report.json keeps the value as calculated).",
        "† Estimativa fora de 0–100% ({items}): poucos casos para estimá-la; mostrada no limite "
        "(o report.json guarda o valor calculado).",
    ),
    "how": Message("How we calculated", "Como calculamos"),
    "method": Message(
        "The first two lines are estimates (doubly robust): the retention had every case been offered "
        "that policy's action, weighting each closed case by the probability with which its offer was "
        "drawn (logged when it was made); they are unbiased whatever the model's own estimates are worth. "
        "The other lines are plain rates: leads choose when to follow the list, so followed against not "
        "followed is not a causal comparison. R$ per case is the dentist's value when retained minus the "
        "cost of the action taken: what churnlab's recommendations maximise.",
        "As duas primeiras linhas são estimativas (duplamente robustas): a retenção caso todos recebessem "
        "a ação daquela política, pesando cada caso fechado pela probabilidade com que sua oferta foi "
        "sorteada (registrada no momento da oferta); não têm viés, valham o que valerem as estimativas do "
        "próprio modelo. As demais linhas são taxas simples: quem escolhe seguir a lista é a equipe, então "
        "seguida contra não seguida não é uma comparação causal. R$ por caso é o valor do dentista quando "
        "mantido menos o custo da ação tomada: o que as recomendações do churnlab maximizam.",
    ),
    "method_few": Message(
        'A figure on fewer than {min} cases is greyed and marked "few cases": its 95% range rests on at '
        "least about 5 dentists kept and 5 lost, which at the usual retention of 50–75% takes {min} "
        "cases; below, the range is unreliable and wider than ±22 points, too wide to tell one action "
        'from another. An estimate whose range is wider than ±22 points is greyed too ("wide range"): '
        "however many cases it covers, few of them carry its information (offers drawn with a small "
        "probability).",
        'Um número com menos de {min} casos fica em cinza com "poucos casos": sua faixa de 95% pede ao '
        "menos uns 5 dentistas mantidos e 5 perdidos, o que, com a retenção usual de 50–75%, exige {min} "
        "casos; abaixo disso a faixa não é confiável e passa de ±22 pontos, larga demais para distinguir "
        'uma ação de outra. Uma estimativa cuja faixa passa de ±22 pontos também fica em cinza ("faixa '
        'larga"): por mais casos que cubra, poucos trazem informação sobre ela (ofertas sorteadas com '
        "pequena probabilidade).",
    ),
    "method_bounds": Message(
        "A retention lies between 0% and 100%. On few cases a weighted estimate can fall outside (one "
        "retained case drawn with probability 1/10 weighs 10 cases): it is shown at the limit and marked "
        "†, and report.json keeps the value as calculated. Ranges are cut at 0% and 100% too.",
        "Uma retenção fica entre 0% e 100%. Com poucos casos, uma estimativa ponderada pode sair desse "
        "intervalo (um caso mantido, sorteado com probabilidade 1/10, pesa por 10 casos): ela aparece no "
        "limite, marcada com †, e o report.json guarda o valor calculado. As faixas também param em 0% "
        "e 100%.",
    ),
    "method_combined": Message(
        'The older form\'s single box "Ofertado treinamento/ ou reciclagem" means a training or a '
        "refresher: where the list offered either, a case ticked on that box counts as the offer made.",
        'A caixa única "Ofertado treinamento/ ou reciclagem" do formulário antigo vale por treinamento ou '
        "reciclagem: quando a lista ofereceu um dos dois, um caso marcado nessa caixa conta como oferta "
        "feita.",
    ),
    "combined_note": Message(
        "¹ {n} cases offered a training or a refresher were ticked on the older form's single box "
        '"Ofertado treinamento/ ou reciclagem": they count as the offer made.',
        '¹ {n} casos com oferta de treinamento ou reciclagem foram marcados na caixa única "Ofertado '
        'treinamento/ ou reciclagem" do formulário antigo: contam como oferta feita.',
    ),
    "combined_note_one": Message(
        "¹ 1 case offered a training or a refresher was ticked on the older form's single box "
        '"Ofertado treinamento/ ou reciclagem": it counts as the offer made.',
        '¹ 1 caso com oferta de treinamento ou reciclagem foi marcado na caixa única "Ofertado '
        'treinamento/ ou reciclagem" do formulário antigo: conta como oferta feita.',
    ),
    "no_exploration": Message(
        "No offer was drawn at random (exploration 0): only the value of churnlab's own policy is "
        "identified; the other lines rest on the model. Use --explore 0.1 to learn them.",
        "Nenhuma oferta foi sorteada (exploração 0): só o valor da política do próprio churnlab é "
        "identificado; as demais linhas dependem do modelo. Use --explore 0.1 para aprendê-las.",
    ),
    "by_action": Message("By offered action", "Por ação oferecida"),
    "offered": Message("Offered action", "Ação oferecida"),
    "followed_share": Message("Offer made", "Oferta feita"),
    "if_offered_to_all": Message("Retention if offered to every case", "Retenção se oferecida a todos"),
    "by_month": Message("By month of the offer", "Por mês da oferta"),
    "month": Message("Month", "Mês"),
    "observed": Message("observed retention", "retenção observada"),
    "chart_churnlab": Message(
        "churnlab's best action offered to all (estimate, 95%)",
        "melhor ação do churnlab para todos (estimativa, 95%)",
    ),
}

MONITOR = {
    "title": Message("churnlab: is the model still fit?", "churnlab: o modelo ainda serve?"),
    "summary": Message(
        "Model trained on {trained}; figures from the case store's closed cases, by month of closing.",
        "Modelo treinado em {trained}; números dos casos fechados do registro, por mês de fechamento.",
    ),
    "verdict_fine": Message(
        "No month is behind the model card's held-out figures beyond chance.",
        "Nenhum mês ficou abaixo dos números de validação do modelo além do acaso.",
    ),
    "verdict_decayed": Message(
        "The model has fallen behind its card: retrain it (churnlab train --challenge) and compare.",
        "O modelo ficou abaixo do prometido: treine de novo (churnlab train --challenge) e compare.",
    ),
    "verdict_drift": Message(
        "The latest run's inputs no longer look like training: {inputs}.",
        "As entradas da última execução não se parecem mais com as do treino: {inputs}.",
    ),
    "no_reference": Message(
        "The model card has no held-out figures with intervals (trained before churnlab 0.4): "
        "months are shown but not judged.",
        "O cartão do modelo não tem números de validação com intervalos (treinado antes do churnlab 0.4): "
        "os meses aparecem, mas não são julgados.",
    ),
    "risk": Message("Dismissal risk, month by month", "Risco de desligamento, mês a mês"),
    "card": Message("model card (held-out, 90 %)", "cartão do modelo (validação, 90 %)"),
    "auc_month": Message("AUC of the month (90 %)", "AUC do mês (90 %)"),
    "flagged": Message("behind the card", "abaixo do cartão"),
    "mean_risk": Message("Mean risk", "Risco médio"),
    "observed": Message("Observed dismissals", "Desligamentos observados"),
    "month": Message("Month closed", "Mês de fechamento"),
    "cases": Message("Cases", "Casos"),
    "auc": Message("AUC (90 %)", "AUC (90 %)"),
    "brier": Message("Brier", "Brier"),
    "dr_value": Message("Retention, churnlab's policy (DR)", "Retenção, política do churnlab (DR)"),
    "flag": Message("Verdict", "Situação"),
    "behind": Message("behind the card", "abaixo do cartão"),
    "no_closed": Message(
        "No recommended case has closed yet: nothing to judge.",
        "Nenhum caso recomendado foi fechado ainda: nada a julgar.",
    ),
    "drift": Message("Inputs against training, run by run", "Entradas contra o treino, execução a execução"),
    "run": Message("Run", "Execução"),
    "run_at": Message("Date", "Data"),
    "open_cases": Message("Open cases checked", "Casos abertos verificados"),
    "inputs": Message("Inputs that drifted", "Entradas que mudaram"),
    "no_drift": Message("none", "nenhuma"),
    "no_drift_runs": Message(
        "No run recorded its inputs (runs before churnlab 0.4, or a model without a training profile).",
        "Nenhuma execução registrou suas entradas (execuções antes do churnlab 0.4 ou modelo sem perfil de treino).",
    ),
    "how": Message("How we calculate", "Como calculamos"),
    "method": Message(
        "Each month's AUC and Brier score are measured on the cases closed that month, with 90 % "
        "bootstrap intervals. A month with at least 20 cases is flagged when it is behind the model "
        "card's held-out figure by more than {z} standard errors of the difference: a model that "
        "still fits raises such a flag in about 3 % of years. An input drifted when its population "
        "stability index (PSI) passes 0.1 and the bar that chance alone would reach with that many "
        "cases. The retention of churnlab's policy is the doubly-robust value of the report.",
        "A AUC e o Brier de cada mês são medidos nos casos fechados naquele mês, com intervalos de 90 % "
        "por bootstrap. Um mês com pelo menos 20 casos é marcado quando fica abaixo do número de "
        "validação do cartão do modelo por mais de {z} erros-padrão da diferença: um modelo que ainda "
        "serve marca assim em cerca de 3 % dos anos. Uma entrada mudou quando seu índice de "
        "estabilidade (PSI) passa de 0,1 e do limite que o acaso alcançaria com aquele número de "
        "casos. A retenção da política do churnlab é o valor duplamente robusto do relatório.",
    ),
}

STATUSES = {
    "open": Message("open", "aberto"),
    "retained": Message("retained", "retido"),
    "dismissed": Message("dismissed", "desligado"),
    "not_retention": Message("not a retention case", "não é caso de retenção"),
    "unknown": Message("status unreadable", "situação ilegível"),
}

SHEETS = {
    "open_cases": Message("Open cases", "Casos abertos"),
    "network": Message("Not yet asked", "Ainda não pediram"),
}

MESSAGES: dict[str, Message] = {
    f"{prefix}.{key}": message
    for prefix, table in (
        ("action", ACTIONS), ("reason", DISMISSAL_REASONS), ("feature", FEATURES), ("network", NETWORK),
        ("column", COLUMNS), ("page", PAGE), ("chart", CHART), ("report", REPORT), ("monitor", MONITOR), ("status", STATUSES), ("sheet", SHEETS),
    )
    for key, message in table.items()
}  # fmt: skip
"""Every message by its dotted key."""
