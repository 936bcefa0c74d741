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
    "reason": Message("first note gives the reason: {reason}", "o primeiro contato dá o motivo: {reason}"),
    "unknown": Message("{name} not on the form", "{name} não consta no formulário"),
    "other": Message("{name} = {value:g}", "{name} = {value:g}"),
    "tenure_years": Message("{value:.1f} years in the network", "{value:.1f} anos na rede"),
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
    "cro_count": Message("{value:.0f} CROs on the form", "{value:.0f} CROs no formulário"),
    "cro_count.one": Message("a single CRO on the form", "um único CRO no formulário"),
    "cro_count.unknown": Message("number of CROs not on the form", "número de CROs não consta no formulário"),
    "log_lives": Message("{amount:,.0f} lives in the area", "{amount:,.0f} vidas na região"),
    "log_lives.unknown": Message(
        "lives in the area not on the form", "vidas na região não constam no formulário"
    ),
    "log_listed_cros": Message(
        "{amount:,.0f} listed dentists in the area", "{amount:,.0f} dentistas divulgados na região"
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
        "serves {value:.0f} other plan(s)", "atende {value:.0f} outro(s) convênio(s)"
    ),
    "other_plans_count.zero": Message("serves no other plan", "não atende outros convênios"),
    "us_value": Message("fee unit R$ {value:.2f}", "US de R$ {value:.2f}"),
    "us_value.unknown": Message("fee unit not on the form", "valor da US não consta no formulário"),
    "no_guides.yes": Message(
        "no guides issued lately (SEM GUIAS)", "sem guias emitidas recentemente (SEM GUIAS)"
    ),
    "no_guides.no": Message("has been issuing guides", "tem emitido guias"),
    "months_since_production": Message(
        "last production {value:.0f} months before the request",
        "última produção {value:.0f} meses antes do pedido",
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
    "glosa_count": Message("{value:.0f} glosa(s) before the request", "{value:.0f} glosa(s) antes do pedido"),
    "glosa_count.zero": _NO_GLOSA,
    "glosa_count_12m": Message(
        "{value:.0f} glosa(s) in the 12 months before the request",
        "{value:.0f} glosa(s) nos 12 meses antes do pedido",
    ),
    "glosa_count_12m.zero": Message(
        "no glosa in the 12 months before the request", "nenhuma glosa nos 12 meses antes do pedido"
    ),
    "glosa_technical_share": Message("{value:.0%} of glosas technical", "{value:.0%} das glosas técnicas"),
    "glosa_technical_share.unknown": _NO_GLOSA,
    "glosa_distinct_codes": Message(
        "glosas under {value:.0f} different codes", "glosas sob {value:.0f} códigos diferentes"
    ),
    "glosa_distinct_codes.one": Message("glosas under a single code", "glosas sob um único código"),
    "glosa_distinct_codes.zero": _NO_GLOSA,
    "months_since_last_glosa": Message(
        "last glosa {value:.0f} months before the request", "última glosa {value:.0f} meses antes do pedido"
    ),
    "months_since_last_glosa.unknown": _NO_GLOSA,
    "log_glosa_value": Message("R$ {amount:,.2f} refused in glosas", "R$ {amount:,.2f} glosados"),
    "log_glosa_value.zero": _NO_GLOSA,
    "note_length": Message("first note of {value:.0f} words", "primeiro registro com {value:.0f} palavras"),
}

NETWORK = {
    "production": Message(
        "{guides:.0f} guides a month over the last 3 months", "{guides:.0f} guias por mês nos últimos 3 meses"
    ),
    "production.down": Message(
        "production down {drop:.0%} (guides, last 3 months vs the 9 before); {guides:.0f} a month now",
        "produção {drop:.0%} menor (guias, últimos 3 meses contra os 9 anteriores); {guides:.0f} por mês agora",
    ),
    "months_without_guide": Message(
        "no guide in the last {months:.0f} month(s)", "nenhuma guia nos últimos {months:.0f} mês(es)"
    ),
    "months_without_guide.recent": Message("issued guides last month", "emitiu guias no último mês"),
    "months_without_guide.never": Message(
        "no guide in the {months:.0f} month(s) of production on file",
        "nenhuma guia nos {months:.0f} mês(es) de produção registrados",
    ),
    "glosas": Message(
        "{glosas_12m:.0f} glosa(s) in 12 months ({glosas_3m:.0f} in the last 3; {per_guide:.1%} of guides)",
        "{glosas_12m:.0f} glosa(s) em 12 meses ({glosas_3m:.0f} nos últimos 3; {per_guide:.1%} das guias)",
    ),
    "glosas.technical": Message(
        "{glosas_12m:.0f} glosa(s) in 12 months ({glosas_3m:.0f} in the last 3, "
        "{share:.0%} technical; {per_guide:.1%} of guides)",
        "{glosas_12m:.0f} glosa(s) em 12 meses ({glosas_3m:.0f} nos últimos 3, "
        "{share:.0%} técnicas; {per_guide:.1%} das guias)",
    ),
    "fee_unit": Message("fee unit (US) R$ {value:.2f}", "valor da US R$ {value:.2f}"),
    "tenure": Message("in the network for {months:.0f} month(s)", "na rede há {months:.0f} mês(es)"),
    "earlier_cases": Message(
        "asked to leave {count:.0f} time(s) before, the last {months:.0f} month(s) ago",
        "pediu desligamento {count:.0f} vez(es) antes, a última há {months:.0f} mês(es)",
    ),
    "earlier_cases.none": Message("never asked to leave before", "nunca pediu desligamento antes"),
    "market": Message(
        "market: {dentists:.0f} network dentist(s) in the city",
        "mercado: {dentists:.0f} dentista(s) da rede na cidade",
    ),
}

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
    "policies": Message("Retention by policy", "Retenção por política"),
    "policy": Message("Policy", "Política"),
    "retention": Message("Retention", "Retenção"),
    "interval": Message("95% interval", "Intervalo de 95%"),
    "reais": Message("R$ per case (value kept − cost)", "R$ por caso (valor mantido − custo)"),
    "cases": Message("Cases", "Casos"),
    "churnlab": Message(
        "Offer churnlab's best action to every case (doubly robust)",
        "Oferecer a todos a melhor ação do churnlab (duplamente robusto)",
    ),
    "no_offer": Message(
        "Offer nothing special (doubly robust)", "Não fazer oferta especial (duplamente robusto)"
    ),
    "practice": Message(
        "What was done (the analysts' decisions, observed)",
        "O que foi feito (decisões dos analistas, observado)",
    ),
    "followed": Message(
        "Cases where the offer was followed (observed)", "Casos em que a oferta foi seguida (observado)"
    ),
    "not_followed": Message("Cases where it was not (observed)", "Casos em que não foi (observado)"),
    "method": Message(
        "The doubly-robust values estimate the retention had every case been offered that policy's "
        "action, weighting each closed case by the probability with which its offer was drawn (logged "
        "when it was made); they are unbiased whatever the model's own estimates are worth. Followed and "
        "not followed are plain rates: leads choose when to follow, so they are not a causal comparison. "
        "R$ per case is the dentist's value when retained minus the cost of the action taken: what "
        "churnlab's recommendations maximise.",
        "Os valores duplamente robustos estimam a retenção caso todos recebessem a ação daquela política, "
        "pesando cada caso fechado pela probabilidade com que sua oferta foi sorteada (registrada no "
        "momento da oferta); não têm viés, valham o que valerem as estimativas do próprio modelo. Seguida e "
        "não seguida são taxas simples: quem escolhe seguir é a equipe, então não são uma comparação "
        "causal. R$ por caso é o valor do dentista quando mantido menos o custo da ação tomada: o que "
        "as recomendações do churnlab maximizam.",
    ),
    "no_exploration": Message(
        "No offer was drawn at random (exploration 0): only the value of churnlab's own policy is "
        "identified; the other lines rest on the model. Use --explore 0.1 to learn them.",
        "Nenhuma oferta foi sorteada (exploração 0): só o valor da política do próprio churnlab é "
        "identificado; as demais linhas dependem do modelo. Use --explore 0.1 para aprendê-las.",
    ),
    "by_action": Message("By offered action", "Por ação oferecida"),
    "offered": Message("Offered action", "Ação oferecida"),
    "followed_share": Message("Offer followed", "Oferta seguida"),
    "if_offered_to_all": Message(
        "Retention if offered to every case (doubly robust)",
        "Retenção se oferecida a todos (duplamente robusto)",
    ),
    "by_month": Message("By month of the offer", "Por mês da oferta"),
    "month": Message("Month", "Mês"),
    "observed": Message("observed retention", "retenção observada"),
    "chart_churnlab": Message("churnlab's policy (doubly robust, 95%)", "política do churnlab (DR, 95%)"),
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
        ("column", COLUMNS), ("page", PAGE), ("chart", CHART), ("report", REPORT), ("status", STATUSES), ("sheet", SHEETS),
    )
    for key, message in table.items()
}  # fmt: skip
"""Every message by its dotted key."""
