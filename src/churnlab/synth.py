"""Synthetic retention cases with known truth (issue 3).

Only two real case records exist. To train and judge the dismissal-risk model and
the action recommender we generate cases whose true probabilities are known, so
a model can be compared with the best possible rather than with itself.

**This is not a stand-in for real history.** Every number below is an
assumption chosen to be plausible and to exercise the models (confounding,
heterogeneous effects, a noisy Bayes limit); none was estimated from real data.
An operator's own closed cases are what a deployed model must be fitted and
checked on.

What the generator assumes
--------------------------
Dentists
    One case per dentist (CRO + UF unique). Network features as on the form:
    plan lives in the area (log-normal, median ~2,500), unique listed CROs
    (about one per 15 lives), US value (R$ 0.18–0.65, by state), person type
    (40 % clinics, ``J``), tenure since inclusion (log-normal, median ~3 years),
    last production (``SEM GUIAS`` for ~15 %, more for new dentists), other
    plans, who asked, city and state. Some fields are left empty at random.
Stated reason
    A latent reason drawn from the 30 dismissal reasons: base shares (fees and
    glosas ~14 % each, low demand ~10 %, ...) shifted by the dentist (low US
    value → fees, many glosas → glosas, few lives or no production → low
    demand, long tenure → retired). The first contact's note states it in
    Portuguese, with varied wording and typos.
Glosas
    A latent glosa propensity per dentist sets the monthly rate (higher when the
    reason is glosas or technical rules) and the technical share. Events are
    drawn over the 24 months before the case opens and, for realism, over the
    6 months after it (so leakage tests can catch a feature that uses them).
    Codes come from the TISS table (``3040`` is half of the technical ones).
    The first note sometimes lists a few of them in the seed-001 style.
Outcome
    ``logit P(retained | x, a) = alpha[reason] + f(x) + effect[a](reason, x) + u``
    with ``u ~ N(0, 1.1²)`` an unobserved resolve of the dentist. ``truth``
    holds ``P(retained | x, a)`` with ``u`` integrated out (Gauss–Hermite), the
    best any model of the recorded data can know. Effects are heterogeneous:
    new prices help fees / glosas / undue charges (more when the US value is
    low), support helps guide-release time, system difficulties, missing
    support and call-centre trouble (more for clinics), publicity helps low
    demand (more where lives per listed CRO are high), training and refresher
    help glosas and technical rules (more when glosas are technical), ``other``
    helps a little with personal reasons; retired, moved, closed or deceased
    dentists are nearly unkeepable whatever is offered, and most actions do
    nothing for most reasons.
Historical policy
    Analysts chose the action from a softmax over the stated reason and the
    dentist's size, mixed with a floor so every action has probability
    >= 0.03 for every case (positivity). Hopeless cases mostly got no action,
    big dentists got new prices: naive retention by action is biased.
    The action taken is the *primary* one; in ~8 % of closed cases a second box
    is also ticked, always after the primary in form order, so the primary is
    the first ticked box in :data:`~churnlab.records.ACTIONS` order.
Cases
    A few % of closed cases are ``not_retention`` (the dentist only wanted a
    data update: truth ``retained = 1``, risk 0, reason empty). Open cases (the
    moment scoring is for) have only the first contact, no status, no boxes
    and no finish date; their action and outcome are still simulated and kept
    in ``truth`` only, so calibration can be checked on them.

``dismissal_risk = 1 - sum_a pi(a | x) P(retained | x, a)``: the probability the
case ends in dismissal under the historical practice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churnlab.brazil import MONTH_ABBREVIATIONS, cnpj_check_digits, cpf_check_digits
from churnlab.records import (
    ACTION_LABELS,
    ACTIONS,
    DISMISSAL_REASONS,
    NO_ACTION,
    Contact,
    GlosaEvent,
    RetentionCase,
)
from churnlab.text import fold

__all__ = ["SyntheticData", "generate", "write_dataset", "TRUTH_COLUMNS"]

TRUTH_COLUMNS: tuple[str, ...] = (
    "source", "is_open", "reason", "action", "retained", "status",
    *(f"p_retained_{a}" for a in ACTION_LABELS),
    *(f"propensity_{a}" for a in ACTION_LABELS),
    "dismissal_risk", "cro", "uf",
)  # fmt: skip
"""Columns of ``truth.csv``, in order."""

GLOSA_COLUMNS = ("cro", "uf", "guide", "competence", "date", "code", "description", "value", "kind")

PROPENSITY_FLOOR = 0.03
"""Every action has at least this probability under the historical policy."""

NOISE_SD = 1.1
"""Standard deviation of the unobserved resolve ``u`` on the logit scale."""

_CLOSED_WINDOW = (dt.date(2022, 1, 3), dt.date(2024, 9, 30))
_OPEN_WINDOW = (dt.date(2024, 10, 1), dt.date(2024, 12, 20))
_UNKEEPABLE = ("retired", "moved_area", "death", "closed_business")

# --- reason model --------------------------------------------------------------------

# reason: (share, alpha = baseline retention logit under no action)
_REASONS: dict[str, tuple[float, float]] = {
    "loss_of_contact": (3.0, -1.0), "health_problems": (3.0, -1.2),
    "rude_beneficiary": (1.5, 0.2), "fees": (14.0, -0.3), "franchise": (1.0, -0.5),
    "technical_lead_change": (1.5, 0.2), "provider_removed": (1.0, -1.6),
    "no_service_location": (1.0, -1.5), "glosas": (14.0, -0.4),
    "system_difficulties": (5.0, 0.1), "guide_release_time": (6.0, -0.1),
    "closed_business": (3.0, -3.2), "technical_rules": (5.0, -0.3),
    "aesthetic_only": (1.5, -1.0), "retired": (4.0, -3.6), "low_demand": (10.0, -0.6),
    "central_contact_difficulty": (2.0, 0.2), "operator_support_lacking": (5.0, -0.2),
    "undue_charges": (1.5, -0.2), "operator_bureaucracy": (3.0, -0.3),
    "care_denied": (1.0, -0.5), "lawsuit_threat": (0.8, -1.6), "outsourced_care": (0.8, -0.9),
    "migration": (1.5, -1.1), "private_patients": (3.0, -1.1), "studies": (1.2, -0.9),
    "public_servant": (1.0, -1.3), "moved_area": (4.0, -3.2), "death": (0.4, -5.0),
    "personal_reasons": (5.0, -0.8),
}  # fmt: skip
assert tuple(_REASONS) == DISMISSAL_REASONS

# Effects on the retention logit, by action and reason (missing = 0: no help).
_EFFECTS: dict[str, dict[str, float]] = {
    "new_prices": {"fees": 1.6, "glosas": 0.6, "undue_charges": 0.8, "franchise": 0.4,
                   "low_demand": 0.4, "private_patients": 0.6, "migration": 0.5},
    "support": {"guide_release_time": 1.6, "system_difficulties": 1.3,
                "operator_support_lacking": 1.5, "central_contact_difficulty": 1.3,
                "operator_bureaucracy": 0.9, "care_denied": 0.7, "glosas": 0.3,
                "technical_lead_change": 0.4, "undue_charges": 0.4},
    "publicity": {"low_demand": 1.5, "aesthetic_only": 0.3, "private_patients": 0.3,
                  "rude_beneficiary": -0.3},
    "training": {"glosas": 1.1, "technical_rules": 1.3, "system_difficulties": 0.6,
                 "technical_lead_change": 0.4},
    "refresher": {"glosas": 0.9, "technical_rules": 1.0, "technical_lead_change": 1.0},
    "other": {"personal_reasons": 0.4, "health_problems": 0.3, "studies": 0.4,
              "loss_of_contact": 0.3, "lawsuit_threat": 0.6, "rude_beneficiary": 0.4},
}  # fmt: skip

# Historical policy: base logit per action plus a bonus when the reason is one the
# analysts associated with that action.
_POLICY: dict[str, tuple[float, dict[str, float]]] = {
    NO_ACTION: (0.4, {**dict.fromkeys(_UNKEEPABLE, 2.2), "loss_of_contact": 1.5,
                      "health_problems": 0.8, "personal_reasons": 0.6,
                      "provider_removed": 1.0}),
    "new_prices": (-0.3, {"fees": 1.8, "undue_charges": 1.4, "franchise": 0.8,
                          "glosas": 0.9, "low_demand": 0.7, "private_patients": 0.8,
                          "migration": 0.8}),
    "support": (-0.4, {"guide_release_time": 1.8, "system_difficulties": 1.6,
                       "operator_support_lacking": 1.8, "central_contact_difficulty": 1.6,
                       "operator_bureaucracy": 1.2, "care_denied": 1.0}),
    "publicity": (-0.8, {"low_demand": 1.8, "aesthetic_only": 0.6, "private_patients": 0.5}),
    "training": (-0.8, {"glosas": 1.5, "technical_rules": 1.6, "system_difficulties": 0.6}),
    "refresher": (-1.2, {"glosas": 1.0, "technical_rules": 1.2, "technical_lead_change": 1.4}),
    "other": (-1.3, {"personal_reasons": 0.9, "health_problems": 0.8, "studies": 0.9,
                     "lawsuit_threat": 1.0, "rude_beneficiary": 0.8}),
}  # fmt: skip

# --- vocabularies for the forms ------------------------------------------------------

_FIRST_F = (
    "ANA", "MARIA", "JULIANA", "FERNANDA", "CAMILA", "PATRÍCIA", "ALINE", "CARLA", "BEATRIZ",
    "LARISSA", "RENATA", "VANESSA", "TATIANA", "PRISCILA", "MARIANA", "GABRIELA", "LETÍCIA",
    "DANIELA", "LUCIANA", "CRISTINA", "ISABELA", "RAQUEL", "SIMONE", "ADRIANA", "NATÁLIA",
)  # fmt: skip
_FIRST_M = (
    "JOÃO", "JOSÉ", "CARLOS", "PAULO", "PEDRO", "LUCAS", "RAFAEL", "MARCELO", "RODRIGO",
    "FELIPE", "GUSTAVO", "THIAGO", "ANDRÉ", "FÁBIO", "RICARDO", "EDUARDO", "LEONARDO",
    "DIEGO", "MÁRCIO", "VINÍCIUS", "SÉRGIO", "HENRIQUE", "ROBERTO", "DANIEL", "MATEUS",
)  # fmt: skip
_LAST = (
    "SILVA", "SANTOS", "OLIVEIRA", "SOUZA", "RODRIGUES", "FERREIRA", "ALVES", "PEREIRA",
    "LIMA", "GOMES", "COSTA", "RIBEIRO", "MARTINS", "CARVALHO", "ALMEIDA", "LOPES", "SOARES",
    "FERNANDES", "VIEIRA", "BARBOSA", "ROCHA", "DIAS", "NASCIMENTO", "ANDRADE", "MOREIRA",
    "NUNES", "MARQUES", "MACHADO", "MENDES", "FREITAS", "CARDOSO", "RAMOS", "GONÇALVES",
    "SANTANA", "TEIXEIRA", "ARAÚJO", "PINTO", "CORREIA", "CAVALCANTI", "MONTEIRO",
)  # fmt: skip
_PARTICLES = ("DA", "DE", "DOS", "DAS")

# state: (weight, US-value shift, area code, cities)
_STATES: dict[str, tuple[float, float, int, tuple[str, ...]]] = {
    "BA": (18, -0.02, 71, ("SALVADOR", "FEIRA DE SANTANA", "VITÓRIA DA CONQUISTA", "CAMAÇARI",
                           "ITABUNA", "LAURO DE FREITAS")),
    "SP": (20, 0.04, 11, ("SÃO PAULO", "CAMPINAS", "SANTOS", "RIBEIRÃO PRETO", "SOROCABA",
                          "GUARULHOS")),
    "MG": (12, 0.01, 31, ("BELO HORIZONTE", "UBERLÂNDIA", "CONTAGEM", "JUIZ DE FORA")),
    "RJ": (10, 0.03, 21, ("RIO DE JANEIRO", "NITERÓI", "DUQUE DE CAXIAS", "NOVA IGUAÇU")),
    "PR": (7, 0.02, 41, ("CURITIBA", "LONDRINA", "MARINGÁ")),
    "PE": (8, -0.03, 81, ("RECIFE", "OLINDA", "CARUARU", "JABOATÃO DOS GUARARAPES")),
    "GO": (6, 0.0, 62, ("GOIÂNIA", "ANÁPOLIS", "APARECIDA DE GOIÂNIA", "RIO VERDE")),
    "CE": (7, -0.03, 85, ("FORTALEZA", "JUAZEIRO DO NORTE", "SOBRAL")),
    "RS": (6, 0.02, 51, ("PORTO ALEGRE", "CAXIAS DO SUL", "PELOTAS")),
    "SE": (6, -0.04, 79, ("ARACAJU", "NOSSA SENHORA DO SOCORRO", "LAGARTO")),
}  # fmt: skip
_OPERATORS = (("ODONTOVIDA", 0.6), ("SORRIDENTE SAÚDE", 0.3), ("DENTALPLENA", 0.1))
_PLANS = ("ODONTOSUL", "DENTALMAIS", "SORRISO PLENO", "ORALCARE", "BOCA SAUDÁVEL",
          "UNIDENTE", "ODONTOCENTER", "PRIMEDENT")  # fmt: skip
_REQUESTED = (("Prestador", 0.55), ("Operadora", 0.35), ("Credenciamento", 0.10))
_ANALYSTS = 14

_REASON_TEXT: dict[str, tuple[str, ...]] = {
    "loss_of_contact": ("!Tentativas de contato sem sucesso, o telefone não atende",
                        "!Profissional não responde as mensagens enviadas",
                        "!Não foi possível falar com o profissional pelos canais cadastrados"),
    "health_problems": ("está com problemas de saúde e vai se afastar",
                        "passou por uma cirurgia e não pode atender por enquanto",
                        "está em tratamento de saúde"),
    "rude_beneficiary": ("teve problemas com beneficiários grosseiros",
                         "um paciente do plano foi desrespeitoso com a equipe",
                         "não quer mais atender os beneficiários pelo comportamento deles"),
    "fees": ("os valores pagos estão muito baixos", "a tabela não cobre o custo dos materiais",
             "o valor da US está defasado e não compensa atender",
             "outros convênios pagam melhor pelos mesmos procedimentos"),
    "franchise": ("entrou para uma franquia que não permite atender o plano",
                  "a franquia da clínica proíbe convênios"),
    "technical_lead_change": ("houve troca do responsável técnico da clínica",
                              "o responsável técnico saiu da clínica"),
    "provider_removed": ("!Prestador removido da rede a pedido do setor de rede",
                         "!Solicitada a remoção do prestador pela operadora"),
    "no_service_location": ("está sem local de atendimento",
                            "perdeu o consultório e não tem onde atender"),
    "glosas": ("está tendo muitas glosas nas guias",
               "as glosas são frequentes e não consegue recorrer",
               "não concorda com as glosas aplicadas nos procedimentos",
               "teve vários procedimentos glosados sem justificativa"),
    "system_difficulties": ("tem dificuldade para usar o sistema de envio das guias",
                            "o portal do prestador trava e não consegue anexar os rx",
                            "não se adaptou ao novo sistema"),
    "guide_release_time": ("a liberação das guias demora muito",
                           "os pacientes ficam esperando a autorização das guias",
                           "o prazo de liberação das guias atrapalha a agenda"),
    "closed_business": ("está encerrando as atividades do consultório", "a clínica vai fechar",
                        "vendeu o consultório e vai parar de atender"),
    "technical_rules": ("não concorda com as regras técnicas exigidas",
                        "as exigências de rx inicial e final são excessivas",
                        "as regras técnicas mudam sem aviso"),
    "aesthetic_only": ("vai atender apenas procedimentos estéticos",
                       "agora faz somente harmonização e estética"),
    "retired": ("vai se aposentar", "está encerrando a carreira e se aposentando",
                "já se aposentou e não atende mais"),
    "low_demand": ("não recebe pacientes do plano há meses",
                   "a procura pelo plano é muito baixa na região",
                   "quase não aparecem beneficiários no consultório"),
    "central_contact_difficulty": ("não consegue falar com a central",
                                   "a central de atendimento não atende as ligações"),
    "operator_support_lacking": ("não tem suporte da operadora quando precisa",
                                 "nunca consegue resposta do setor de rede",
                                 "se sente sem apoio da operadora"),
    "undue_charges": ("recebeu cobranças indevidas", "foi cobrado por valores que não reconhece"),
    "operator_bureaucracy": ("a burocracia da operadora é excessiva",
                             "são muitos documentos exigidos para cada guia"),
    "care_denied": ("os pacientes tiveram atendimento negado",
                    "teve procedimentos negados na autorização"),
    "lawsuit_threat": ("vai entrar na justiça contra a operadora",
                       "ameaça processar a operadora pelos pagamentos"),
    "outsourced_care": ("vai terceirizar os atendimentos",
                        "passou os atendimentos para outra clínica"),
    "migration": ("vai migrar para outra operadora",
                  "está migrando o credenciamento para outra rede"),
    "private_patients": ("vai atender somente particular",
                         "a carteira de pacientes particulares já é suficiente"),
    "studies": ("vai se dedicar aos estudos", "vai fazer especialização e reduzir a agenda"),
    "public_servant": ("passou em concurso público",
                       "assumiu cargo público e não pode mais atender convênio"),
    "moved_area": ("mudou de cidade", "está se mudando para outro estado",
                   "vai atender em outra região"),
    "death": ("!Familiar informa o falecimento do profissional",
              "!Recebida a informação de óbito do profissional"),
    "personal_reasons": ("solicita o desligamento por motivos particulares",
                         "não quis informar o motivo, apenas motivos pessoais"),
}  # fmt: skip
assert tuple(_REASON_TEXT) == DISMISSAL_REASONS

_OPENINGS = ("Realizado contato com profissional,", "Em contato via WhatsApp,", "Boa tarde,",
             "Bom dia,", "Em ligação,", "Em retorno ao e-mail,", "Qual o motivo da solicitação? R.",
             "Contato telefônico realizado,", "")  # fmt: skip
_VERBS = ("informa que", "relata que", "alega que", "diz que", "explica que")
_CLOSINGS = ("Solicita o descredenciamento.", "Aguardando retorno.",
             "Deseja o desligamento da rede.", "Mantém a solicitação.", "", "")  # fmt: skip
_FOLLOW_UPS = (
    "Encaminhada mensagem através do WhatsApp e e-mail questionando o motivo da solicitação. "
    "Aguardando retorno.",
    "Enviado whatsapp {phone}. Aguardando retorno.",
    "Sem retorno, reenviada mensagem via WhatsApp.",
    "Realizada nova tentativa de contato por telefone {phone}, sem sucesso.",
)
_OFFERS = {
    NO_ACTION: ("Reforçada a importância da parceria e solicitado que reconsidere.",
                "Explicado o processo de descredenciamento e o prazo dos pacientes."),
    "new_prices": ("Ofertado reajuste na tabela de valores.",
                   "Ofertados novos valores para os procedimentos mais realizados.",
                   "Enviada proposta de reajuste da US ao setor comercial."),
    "support": ("Ofertado suporte da equipe de rede para a liberação das guias.",
                "Ofertado acompanhamento do setor responsável com retorno em até 48h.",
                "Ofertado canal direto de suporte com a analista."),
    "publicity": ("Ofertada divulgação do consultório no guia da rede.",
                  "Ofertado reativar a divulgação nas redes sociais e no site."),
    "training": ("Ofertado treinamento sobre as regras técnicas e envio de rx.",
                 "Agendado treinamento no portal do prestador."),
    "refresher": ("Ofertada reciclagem sobre o manual de regras técnicas.",
                  "Ofertada reciclagem com a auditoria sobre os recursos de glosa."),
    "other": ("Ofertada reunião com a gestão da rede.",
              "Ofertado período de teste com agenda reduzida."),
}  # fmt: skip
_OUTCOMES = {
    "retained": ("Em retorno, {subj} aceita permanecer na rede.",
                 "{Subj} confirma que vai continuar atendendo pelo plano.",
                 "{Subj} aceita o período de teste e permanece credenciado(a).",
                 "Em retorno ao WhatsApp, {subj} agradece e desiste do desligamento."),
    "dismissed": ("{Subj} mantém a solicitação de descredenciamento.",
                  "Sem retorno após as tentativas, seguido com o desligamento.",
                  "{Subj} agradece mas não tem interesse em continuar.",
                  "Em retorno, {subj} informa que não deseja mais atender pacientes do plano."),
    "not_retention": ("Profissional informa que não deseja sair da rede. Não se trata de retenção.",
                      "Confirmado com o profissional que foi apenas atualização cadastral."),
}  # fmt: skip
_NOT_RETENTION_FIRST = (
    "Profissional solicitou atualização de dados cadastrais.",
    "Solicitação de alteração de endereço de atendimento, não de desligamento.",
    "Em contato, profissional informa que abriu a solicitação por engano.",
)
_GLOSA_DETAILS_TECH = (
    "rx enviados sem condições de analise", "No rx anexado não visualiza lesão",
    "rx sem condições de analise", "falta rx final do tratamento",
    "imagem não comprova a execução do procedimento", "procedimento sem justificativa clínica",
    "rx inicial não mostra necessidade do tratamento",
)  # fmt: skip
_GLOSA_DETAILS_ADMIN = (
    "guia enviada fora do prazo", "falta assinatura do beneficiário",
    "senha de autorização vencida", "guia em duplicidade", "carteirinha inválida na data",
)  # fmt: skip
_SECTOR_OF = {
    "glosas": "technical_analysis", "technical_rules": "technical_analysis",
    "system_difficulties": "it", "fees": "commercial", "undue_charges": "commercial",
    "central_contact_difficulty": "call_center", "guide_release_time": "technical_analysis",
    "operator_support_lacking": "call_center",
}  # fmt: skip
_SECOND_REASON = {
    "glosas": "technical_rules", "technical_rules": "glosas", "fees": "low_demand",
    "low_demand": "fees", "guide_release_time": "operator_bureaucracy",
    "system_difficulties": "operator_support_lacking", "retired": "health_problems",
    "moved_area": "personal_reasons", "operator_support_lacking": "central_contact_difficulty",
}  # fmt: skip


# --- result ------------------------------------------------------------------------------


@dataclass
class SyntheticData:
    """A generated data set: the cases, their glosa history and the truth behind them.

    Attributes
    ----------
    cases : list of RetentionCase
        The forms' contents, as the parser must read them back. ``source`` is
        a file stem (``case_00001``); :func:`write_dataset` adds the extension.
    glosas : pandas.DataFrame
        Glosa events in the columns of :func:`churnlab.glosas.read_glosa_csv`
        (``cro``, ``uf``, ``guide``, ``competence`` ``YYYY-MM``, ``date``,
        ``code``, ``description``, ``value``, ``kind``), before and after each
        case's opening.
    truth : pandas.DataFrame
        One row per case, columns :data:`TRUTH_COLUMNS`.
    """

    cases: list[RetentionCase]
    glosas: pd.DataFrame
    truth: pd.DataFrame


# --- helpers ------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def _expected_sigmoid(eta: np.ndarray, sd: float, nodes: int = 32) -> np.ndarray:
    """``E[sigmoid(eta + u)]`` for ``u ~ N(0, sd²)`` by Gauss–Hermite quadrature."""
    x, w = np.polynomial.hermite.hermgauss(nodes)
    values = _sigmoid(eta[..., None] + np.sqrt(2.0) * sd * x)
    return values @ w / np.sqrt(np.pi)


def _choice(rng: np.random.Generator, items: tuple, size: int, weights=None) -> np.ndarray:
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return rng.choice(len(items), size=size, p=p)


def _dates(rng: np.random.Generator, window: tuple[dt.date, dt.date], size: int) -> np.ndarray:
    lo, hi = (np.datetime64(d, "D") for d in window)
    return lo + rng.integers(0, int((hi - lo).astype(int)) + 1, size=size)


def _month_index(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(int)  # months since 1970-01


def _typos(text: str, rng: np.random.Generator, rate: float) -> str:
    """Misspell a few words the way hurried analysts do (swap, drop, accents lost)."""
    if rng.random() >= rate:
        return text
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    for i in rng.choice(candidates, size=min(len(candidates), 1 + int(rng.random() < 0.3)),
                        replace=False):  # fmt: skip
        word = words[i]
        kind = rng.integers(0, 4)
        j = int(rng.integers(1, len(word) - 2))
        if kind == 0:
            word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        elif kind == 1:
            word = word[:j] + word[j + 1 :]
        elif kind == 2:
            word = fold(word) if word.islower() else word
        else:
            word = word[:j] + word[j] + word[j:]
        words[i] = word
    return " ".join(words)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _phone(rng: np.random.Generator, ddd: int) -> str:
    return f"({ddd}) 9{rng.integers(1000, 10000)}-{rng.integers(0, 10000):04d}"


def _name(rng: np.random.Generator, female: bool, upper: bool = True) -> str:
    first = _pick(rng, _FIRST_F if female else _FIRST_M)
    parts = [first]
    if rng.random() < 0.35:
        parts.append(_pick(rng, _FIRST_F if female else _FIRST_M))
    if rng.random() < 0.4:
        parts.append(_pick(rng, _PARTICLES))
    parts.append(_pick(rng, _LAST))
    if rng.random() < 0.6:
        parts.append(_pick(rng, _LAST))
    name = " ".join(dict.fromkeys(parts))
    return name if upper else name.title().replace(" Da ", " da ").replace(" De ", " de ")


# --- the generator ------------------------------------------------------------------------


def generate(n_cases: int, seed: int, open_share: float = 0.2) -> SyntheticData:
    """Generate ``n_cases`` retention cases with their glosa history and true probabilities.

    Parameters
    ----------
    n_cases : int
        Number of cases (one per dentist).
    seed : int
        Seed of the :class:`numpy.random.Generator`; the same seed gives the
        same data.
    open_share : float
        Share of cases still open (first contact only).

    Returns
    -------
    SyntheticData
        ``cases``, ``glosas`` and ``truth`` (see the module docstring for the
        assumptions).

    Examples
    --------
    >>> data = generate(50, seed=1)
    >>> len(data.cases), len(data.truth)
    (50, 50)
    >>> bool(data.truth.filter(like="propensity_").min().min() >= 0.03)
    True
    >>> data.cases[0].source
    'case_00001'
    """
    if n_cases < 1:
        raise ValueError(f"n_cases must be at least 1, got {n_cases}")
    if not 0.0 <= open_share <= 1.0:
        raise ValueError(f"open_share must be within [0, 1], got {open_share}")
    rng = np.random.default_rng(seed)
    n = int(n_cases)
    d = _draw_dentists(rng, n, open_share)
    d["reason"] = _draw_reasons(rng, d)
    glosas, d["glosas_before"], d["tech_share"] = _draw_glosas(rng, d)
    p, pi = _outcome_and_policy(d)
    action, retained, status = _draw_outcomes(rng, d, p, pi)
    cases = _build_cases(rng, d, glosas, action, status)
    truth = _truth_frame(d, p, pi, action, retained, status)
    return SyntheticData(cases=cases, glosas=glosas[list(GLOSA_COLUMNS)], truth=truth)


def _draw_dentists(rng: np.random.Generator, n: int, open_share: float) -> dict[str, np.ndarray]:
    states = tuple(_STATES)
    uf_i = _choice(rng, states, n, [v[0] for v in _STATES.values()])
    uf = np.array(states)[uf_i]
    cro_uf = uf.copy()
    moved = rng.random(n) < 0.04
    cro_uf[moved] = np.array(states)[rng.integers(0, len(states), moved.sum())]
    # unique CRO numbers (one case per dentist)
    cro = rng.choice(np.arange(1000, 1000 + max(90_000, 3 * n)), size=n, replace=False)
    is_open = rng.random(n) < open_share
    closed_start, open_start = _dates(rng, _CLOSED_WINDOW, n), _dates(rng, _OPEN_WINDOW, n)
    start = np.where(is_open, open_start, closed_start).astype("datetime64[D]")
    tenure_days = np.clip(np.exp(rng.normal(np.log(3 * 365), 0.9, n)), 45, 25 * 365).astype(int)
    is_j = rng.random(n) < 0.4
    log_lives = rng.normal(np.log(2500), 1.0, n)
    lives = np.clip(np.round(np.exp(log_lives)), 30, 90_000).astype(int)
    listed = np.maximum(1, np.round(lives / np.exp(rng.normal(np.log(15), 0.45, n)))).astype(int)
    us_shift = np.array([_STATES[s][1] for s in uf])
    us_value = np.round(np.clip(rng.normal(0.36 + us_shift, 0.06, n), 0.18, 0.65), 2)
    no_guides = rng.random(n) < _sigmoid(-1.9 - 0.8 * _z(np.log(tenure_days)) - 0.3 * _z(log_lives))
    months_since = np.where(no_guides, -1, np.minimum(rng.geometric(0.35, n) - 1, 24))
    last_value = np.where(no_guides, 0.0, np.round(np.exp(rng.normal(np.log(650), 0.9, n)), 2))
    glosa_propensity = rng.normal(0, 1, n)
    return {
        "n": np.array(n), "uf": uf, "cro_uf": cro_uf, "cro": cro.astype(str), "is_open": is_open,
        "start": start, "tenure_days": tenure_days, "is_j": is_j, "lives": lives,
        "listed": listed, "us_value": us_value, "no_guides": no_guides,
        "months_since": months_since, "last_value": last_value,
        "glosa_propensity": glosa_propensity, "cro_count": np.where(
            is_j, 1 + np.minimum(rng.poisson(1.2, n), 8), 1 + (rng.random(n) < 0.1)),
        "other_plans": rng.random(n) < 0.65,
        "zl": _z(log_lives), "zt": _z(np.log(tenure_days)), "zu": (us_value - 0.36) / 0.06,
        "zdemand": _z(np.log(lives / listed)),
    }  # fmt: skip


def _draw_reasons(rng: np.random.Generator, d: dict[str, np.ndarray]) -> np.ndarray:
    n = len(d["uf"])
    idx = {r: i for i, r in enumerate(DISMISSAL_REASONS)}
    logits = np.tile(np.log([_REASONS[r][0] for r in DISMISSAL_REASONS]), (n, 1))
    logits[:, idx["fees"]] += -0.5 * d["zu"]
    logits[:, idx["undue_charges"]] += -0.2 * d["zu"]
    logits[:, idx["glosas"]] += 0.9 * d["glosa_propensity"]
    logits[:, idx["technical_rules"]] += 0.5 * d["glosa_propensity"]
    logits[:, idx["low_demand"]] += -0.5 * d["zl"] + 1.0 * d["no_guides"]
    logits[:, idx["retired"]] += 1.0 * d["zt"]
    logits[:, idx["studies"]] += -0.8 * d["zt"]
    logits[:, idx["closed_business"]] += 0.5 * d["no_guides"]
    logits[:, idx["franchise"]] += 0.8 * d["is_j"]
    logits[:, idx["technical_lead_change"]] += 1.2 * d["is_j"] - 1.0 * ~d["is_j"]
    gumbel = -np.log(-np.log(rng.random(logits.shape)))
    return np.array(DISMISSAL_REASONS)[np.argmax(logits + gumbel, axis=1)]


def _draw_glosas(
    rng: np.random.Generator, d: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    from churnlab.glosas import glosa_code_table

    n = len(d["uf"])
    glosa_reason = np.isin(d["reason"], ("glosas", "technical_rules"))
    rate = np.exp(-1.6 + 0.6 * d["glosa_propensity"] + 0.3 * d["zl"] + 1.1 * glosa_reason)
    rate = rate * np.where(d["no_guides"], 0.15, 1.0)
    p_tech = _sigmoid(-0.7 + 0.7 * d["glosa_propensity"] + 1.4 * glosa_reason)
    n_before = np.minimum(rng.poisson(rate * 24), 80)
    n_after = np.minimum(rng.poisson(rate * 6 * 0.6), 30)
    case = np.concatenate([np.repeat(np.arange(n), n_before), np.repeat(np.arange(n), n_after)])
    after = np.concatenate([np.zeros(n_before.sum(), bool), np.ones(n_after.sum(), bool)])
    m = len(case)
    open_month = _month_index(d["start"])[case]
    offset = np.where(after, rng.integers(0, 6, m), -rng.integers(2, 25, m))
    comp_month = open_month + offset
    comp_start = comp_month.astype("datetime64[M]").astype("datetime64[D]")
    date = comp_start + np.where(after, rng.integers(32, 60, m), rng.integers(25, 45, m))
    # before-events are processed before the case opens
    date = np.where(after, date, np.minimum(date, d["start"][case] - 1))
    technical = rng.random(m) < p_tech[case]
    table = glosa_code_table()
    tech_codes = table.loc[table["kind"] == "technical", "code"].to_numpy()
    # 5xxx codes are ANS transmission errors, not glosas a dentist receives
    admin = (table["kind"] == "administrative") & ~table["code"].str.startswith("5")
    admin_codes = table.loc[admin, "code"].to_numpy()
    tech_w = np.where(tech_codes == "3040", 0.5, 0.5 / (len(tech_codes) - 1))
    admin_order = np.random.default_rng(0).permutation(len(admin_codes))  # fixed popularity
    admin_w = 1.0 / (1.0 + admin_order) ** 1.1
    code = np.where(
        technical,
        tech_codes[rng.choice(len(tech_codes), m, p=tech_w)],
        admin_codes[rng.choice(len(admin_codes), m, p=admin_w / admin_w.sum())],
    )
    desc = table.set_index("code")["description"]
    kind = table.set_index("code")["kind"]
    years, months = comp_month // 12 + 1970, comp_month % 12 + 1
    competence = pd.Series(years).astype(str) + "-" + pd.Series(months).astype(str).str.zfill(2)
    frame = pd.DataFrame({
        "cro": d["cro"][case], "uf": d["cro_uf"][case],
        "guide": rng.integers(1_000_000, 9_999_999, m).astype(str),
        "competence": competence.to_numpy(),
        "date": pd.to_datetime(date),
        "code": code, "description": desc.reindex(code).to_numpy(),
        "value": np.round(np.exp(rng.normal(np.log(80), 0.8, m)), 2),
        "kind": kind.reindex(code).to_numpy(),
        "_case": case, "_after": after,
    })  # fmt: skip
    frame = frame.sort_values(["_case", "date", "guide"], kind="stable").reset_index(drop=True)
    tech_before = np.bincount(case[~after], weights=technical[~after], minlength=n)
    tech_share = np.where(n_before > 0, tech_before / np.maximum(n_before, 1), 0.0)
    return frame, n_before, tech_share


def _outcome_and_policy(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """True ``P(retained | x, a)`` and policy ``pi(a | x)``, ``(n, 7)`` in ACTION_LABELS order."""
    reason = d["reason"]
    n = len(reason)
    alpha = np.array([_REASONS[r][1] for r in reason])
    recent = (d["months_since"] >= 0) & (d["months_since"] <= 2)
    base = (
        0.45 + alpha + 0.4 * d["zl"] + 0.3 * d["zt"] - 0.6 * d["no_guides"] + 0.3 * recent
        - 0.3 * d["other_plans"] + 0.2 * d["is_j"]
        - 0.15 * _z(np.log1p(d["glosas_before"]))
    )  # fmt: skip
    eta = np.empty((n, len(ACTION_LABELS)))
    eta[:, 0] = base

    def table(action: str) -> np.ndarray:
        return np.array([_EFFECTS[action].get(r, 0.0) for r in reason])

    low_prod = d["no_guides"] | (d["last_value"] < 250)
    econ = np.isin(reason, ("fees", "low_demand"))
    effects = {
        "new_prices": table("new_prices") * np.exp(-0.4 * np.clip(d["zu"], -2, 2))
        + 0.4 * (low_prod & econ),
        "support": table("support") * (1 + 0.3 * d["is_j"]),
        "publicity": table("publicity") * np.exp(0.4 * np.clip(d["zdemand"], -2, 2)),
        "training": table("training") * (0.3 + 1.4 * d["tech_share"]),
        "refresher": table("refresher") * (0.5 + 0.8 * d["tech_share"])
        * (1 + 0.25 * np.clip(d["zt"], -1, 2)),
        "other": table("other"),
    }  # fmt: skip
    for j, action in enumerate(ACTIONS, start=1):
        eta[:, j] = base + effects[action]
    p = _expected_sigmoid(eta, NOISE_SD)

    logits = np.empty_like(eta)
    for j, label in enumerate(ACTION_LABELS):
        intercept, bonus = _POLICY[label]
        logits[:, j] = intercept + np.array([bonus.get(r, 0.0) for r in reason])
    logits[:, 1] += 0.6 * d["zl"] + 0.4 * d["is_j"]  # big dentists get new prices
    logits[:, 3] += -0.4 * d["zl"]  # small ones get publicity
    logits[:, 0] += -0.3 * d["zl"]
    soft = np.exp(logits - logits.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    pi = PROPENSITY_FLOOR + (1 - PROPENSITY_FLOOR * len(ACTION_LABELS)) * soft
    d["eta"] = eta
    return p, pi


def _draw_outcomes(
    rng: np.random.Generator, d: dict[str, np.ndarray], p: np.ndarray, pi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(p)
    cum = pi.cumsum(axis=1)
    action = np.minimum((rng.random((n, 1)) > cum).sum(axis=1), len(ACTION_LABELS) - 1)
    u = rng.normal(0, NOISE_SD, n)
    retained = rng.random(n) < _sigmoid(d["eta"][np.arange(n), action] + u)
    not_retention = ~d["is_open"] & (rng.random(n) < 0.03)
    status = np.where(retained, "retained", "dismissed").astype(object)
    status[not_retention] = "not_retention"
    status[d["is_open"]] = None
    action = np.where(not_retention, 0, action)
    retained = np.where(not_retention, True, retained)
    d["not_retention"] = not_retention
    return action, retained, status


def _truth_frame(d, p, pi, action, retained, status) -> pd.DataFrame:
    not_ret = d["not_retention"]
    p = p.copy()
    p[not_ret] = 1.0
    pi = pi.copy()
    risk = np.where(not_ret, 0.0, 1.0 - (pi * p).sum(axis=1))
    n = len(p)
    columns = {
        "source": [f"case_{i + 1:05d}" for i in range(n)],
        "is_open": d["is_open"],
        "reason": np.where(not_ret, "", d["reason"]),
        "action": np.array(ACTION_LABELS)[action],
        "retained": retained.astype(int),
        "status": status,
    }
    for j, label in enumerate(ACTION_LABELS):
        columns[f"p_retained_{label}"] = p[:, j]
    for j, label in enumerate(ACTION_LABELS):
        columns[f"propensity_{label}"] = pi[:, j]
    columns.update({"dismissal_risk": risk, "cro": d["cro"], "uf": d["cro_uf"]})
    return pd.DataFrame(columns)[list(TRUTH_COLUMNS)]


# --- text and records -------------------------------------------------------------------


def _glosa_listing(
    rng: np.random.Generator, columns: dict[str, np.ndarray], rows: np.ndarray
) -> tuple[str, list[GlosaEvent]]:
    """A seed-001 style listing of a few glosas, and the events a parser reads from it."""
    parts, events = [], []
    for i in rows:
        competence, guide, code = columns["competence"][i], columns["guide"][i], columns["code"][i]
        year, month = int(competence[:4]), int(competence[5:])
        if rng.random() < 0.7:
            comp = f"{MONTH_ABBREVIATIONS[month - 1].upper()}/{year % 100:02d}"
        else:
            comp = f"{month:02d}/{year}"
        service = dt.date(year, month, 1) - dt.timedelta(days=int(rng.integers(1, 40)))
        description = fold(columns["description"][i]).upper()
        details = _GLOSA_DETAILS_TECH if columns["kind"][i] == "technical" else _GLOSA_DETAILS_ADMIN
        detail = _pick(rng, details) + "."
        echo = code if rng.random() < 0.85 else code[1:]
        label = _pick(rng, ("Descrição:", "Descrição:", "Desc.", "Descricao:"))
        parts.append(
            f"{comp} {guide} - {service.day}/{service.month} {label} {code} - "
            f"{description} {echo} {detail}"
        )
        events.append(GlosaEvent(competence=competence, guide=guide, code=code,
                                 description=description, detail=detail))  # fmt: skip
    return " ".join(parts), events


def _first_note(
    rng: np.random.Generator, reason: str, female: bool, is_j: bool, not_retention: bool
) -> str:
    if not_retention:
        return _typos(_pick(rng, _NOT_RETENTION_FIRST), rng, 0.3)
    phrase = _pick(rng, _REASON_TEXT[reason])
    if phrase.startswith("!"):
        body = phrase[1:] + "."
    else:
        subject = _pick(rng, ("Dra" if female else "Dr", "Dra." if female else "Dr.",
                              "a profissional" if female else "o profissional",
                              "a clínica" if is_j else "o consultório"))  # fmt: skip
        body = f"{subject} {_pick(rng, _VERBS)} {phrase}."
    opening = _pick(rng, _OPENINGS)
    if not opening or opening.endswith("R."):
        body = body[0].upper() + body[1:]
    text = " ".join(x for x in (opening, body, _pick(rng, _CLOSINGS)) if x)
    return _typos(text, rng, 0.35)


def _subject(female: bool) -> str:
    return "a Dra" if female else "o Dr"


def _build_cases(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    glosas: pd.DataFrame,
    action: np.ndarray,
    status: np.ndarray,
) -> list[RetentionCase]:
    n = len(action)
    analysts = [_name(np.random.default_rng(1000 + i), bool(i % 3)) for i in range(_ANALYSTS)]
    supervisors = [_name(np.random.default_rng(2000 + i), bool(i % 2), upper=False)
                   for i in range(4)]  # fmt: skip
    before = glosas.loc[~glosas["_after"].to_numpy()]
    starts = np.searchsorted(before["_case"].to_numpy(), np.arange(n + 1))
    columns = {c: before[c].to_numpy(dtype=object)
               for c in ("competence", "guide", "code", "description", "kind")}  # fmt: skip
    ops = _choice(rng, tuple(o for o, _ in _OPERATORS), n, [w for _, w in _OPERATORS])
    reqs = _choice(rng, tuple(r for r, _ in _REQUESTED), n, [w for _, w in _REQUESTED])
    start_dates = d["start"].astype(object)
    cases = []
    for i in range(n):
        female = rng.random() < 0.6
        is_j = bool(d["is_j"][i])
        reason = str(d["reason"][i])
        uf = str(d["uf"][i])
        ddd = _STATES[uf][2]
        start: dt.date = start_dates[i]
        not_ret = bool(d["not_retention"][i])
        is_open = bool(d["is_open"][i])
        # documents
        cpf = cnpj = None
        if not is_j or rng.random() < 0.5:
            base = f"{rng.integers(0, 10**9):09d}"
            cpf = base + cpf_check_digits(base)
        if is_j:
            base = f"{rng.integers(10**7, 10**8):08d}0001"
            cnpj = base + cnpj_check_digits(base)
        # production
        months = int(d["months_since"][i])
        if months < 0:
            last_prod, last_value = "SEM GUIAS", 0.0
        else:
            prod = (np.datetime64(start, "M") - months).astype(object)
            last_prod, last_value = f"{prod.month:02d}/{prod.year}", float(d["last_value"][i])
        # first note, maybe with a glosa listing
        note1 = _first_note(rng, reason, female, is_j, not_ret)
        events: list[GlosaEvent] = []
        n_history = int(starts[i + 1] - starts[i])
        p_list = 0.5 if reason in ("glosas", "technical_rules") else 0.06
        if n_history and not not_ret and rng.random() < p_list:
            k = min(n_history, int(rng.integers(1, 5)))
            rows = starts[i] + np.sort(rng.choice(n_history, k, replace=False))
            intro = _pick(rng, ("Feito levantamento das glosas desde o credenciamento.",
                                "Glosas identificadas:", "Levantamento de glosas:"))  # fmt: skip
            listing, events = _glosa_listing(rng, columns, rows)
            note1 = f"{note1} {intro} {listing}"
        contacts = [Contact(n=1, date=start, note=note1)]
        fields: dict[str, object] = {}
        if not is_open:
            st = str(status[i])
            primary = ACTION_LABELS[int(action[i])]
            ticked = [] if primary == NO_ACTION else [primary]
            if primary not in (NO_ACTION, "other") and rng.random() < 0.125:
                later = ACTIONS[ACTIONS.index(primary) + 1 :]
                ticked.append(_pick(rng, later))
            k = int(rng.choice([2, 3, 4, 5], p=[0.3, 0.3, 0.22, 0.18])) if not not_ret else 2
            day = start
            for c in range(2, k + 1):
                day = day + dt.timedelta(days=int(rng.integers(0, 16)))
                if c == k:
                    subj = _subject(female)
                    note = _pick(rng, _OUTCOMES[st])
                    note = note.format(subj=subj, Subj=subj[0].upper() + subj[1:])
                elif c == 2 and k > 2 and rng.random() < 0.5:
                    note = _pick(rng, _FOLLOW_UPS).format(phone=_phone(rng, ddd))
                else:
                    note = " ".join(_pick(rng, _OFFERS[a]) for a in (ticked or [NO_ACTION]))
                contacts.append(Contact(n=c, date=day, note=_typos(note, rng, 0.25)))
            reasons = []
            if st == "dismissed":
                reasons = [reason]
                if reason in _SECOND_REASON and rng.random() < 0.15:
                    reasons.append(_SECOND_REASON[reason])
            sectors = []
            if reason in _SECTOR_OF and not not_ret and rng.random() < 0.35:
                sectors = [_SECTOR_OF[reason]]
            fields = dict(
                finished_on=day,
                days_to_finish=(day - start).days,
                status=st,
                actions=sorted(ticked),
                action_note=(" ".join(_pick(rng, _OFFERS[a]) for a in ticked)
                             if ticked and rng.random() < 0.6 else None),
                dismissal_reasons=sorted(reasons),
                protocol_needed=[True, False, None][int(rng.choice(3, p=[0.2, 0.6, 0.2]))],
                general_note=(_typos(_pick(rng, _OUTCOMES[st]).format(
                    subj="o profissional", Subj="O profissional"), rng, 0.2)
                    if rng.random() < 0.4 else None),
                responsible_sectors=sorted(sectors),
                signatories=[_pick(rng, tuple(supervisors))]
                + ([_pick(rng, tuple(supervisors))] if rng.random() < 0.3 else []),
            )  # fmt: skip
            if fields["signatories"][0] == fields["signatories"][-1]:
                fields["signatories"] = fields["signatories"][:1]
        other = bool(d["other_plans"][i])
        n_plans = int(rng.integers(1, 4))
        plan_names = ", ".join(rng.choice(_PLANS, n_plans, replace=False)) if other else None
        protocol = f"SAD{rng.integers(10**11, 10**12)}"
        record = dict(
            source=f"case_{i + 1:05d}",
            collaborator=analysts[int(rng.integers(0, _ANALYSTS))],
            cro_count=int(d["cro_count"][i]),
            operator=_OPERATORS[int(ops[i])][0],
            cro=str(d["cro"][i]),
            cro_uf=str(d["cro_uf"][i]),
            dentist_name=_name(rng, female),
            cnpj=cnpj,
            cpf=cpf,
            included_on=start - dt.timedelta(days=int(d["tenure_days"][i])),
            person_type="J" if is_j else "F",
            requested_by=_REQUESTED[int(reqs[i])][0],
            protocol_number=protocol,
            protocol_opened_on=start - dt.timedelta(days=int(rng.integers(0, 3))),
            city=_pick(rng, _STATES[uf][3]),
            uf=uf,
            lives=int(d["lives"][i]),
            listed_cros=int(d["listed"][i]),
            other_plans=other,
            other_plans_names=plan_names,
            us_value=float(d["us_value"][i]),
            last_production=last_prod,
            last_production_value=last_value,
            started_on=start,
            contacts=contacts,
            glosas=events,
        )
        # empty fields, as in real forms (never the identifiers or the first contact)
        for key in ("city", "protocol_number", "other_plans_names", "requested_by",
                    "listed_cros", "included_on", "cro_count", "person_type",
                    "protocol_opened_on", "collaborator", "other_plans"):  # fmt: skip
            if rng.random() < 0.03:
                record[key] = None
        record.update(fields)
        cases.append(RetentionCase(**record))
    return cases


# --- writing a data folder -------------------------------------------------------------

_EXTENSIONS = {"plain": ".txt", "markdown": ".md", "docx": ".docx"}


def write_dataset(
    data: SyntheticData,
    out_dir: str | Path,
    *,
    layouts: tuple[str, ...] = ("plain", "markdown", "docx"),
    seed: int = 0,
    docx_share: float = 0.03,
) -> Path:
    """Write a contract-3 data folder: ``forms/``, ``glosas.csv`` and ``truth.csv``.

    Each form is rendered in a layout drawn from ``layouts`` (``docx`` for
    about ``docx_share`` of them, the text layouts evenly otherwise) with
    random noise (shifted CPF/CNPJ, misspelt labels, CRLF line ends, extra
    spaces in the markdown layout) that never changes a value. File names are
    the case's ``source`` plus the layout's extension (``case_00001.txt``,
    ``.md``, ``.docx``); ``truth.csv`` names the same files.

    Parameters
    ----------
    data : SyntheticData
        From :func:`generate`.
    out_dir : str or Path
        Folder to create or fill.
    layouts : tuple of str
        Any of ``"plain"``, ``"markdown"``, ``"docx"``.
    seed : int
        Seed of the layout and noise draws.
    docx_share : float
        Share of ``.docx`` forms when ``"docx"`` is in ``layouts``.

    Returns
    -------
    Path
        ``out_dir``.

    Examples
    --------
    >>> import tempfile
    >>> data = generate(5, seed=3)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_dataset(data, folder, layouts=("plain",), seed=3)
    ...     sorted(p.name for p in out.iterdir())
    ['forms', 'glosas.csv', 'truth.csv']
    """
    from churnlab.glosas import write_glosa_csv
    from churnlab.render import render_docx, render_markdown, render_plain

    unknown = set(layouts) - set(_EXTENSIONS)
    if unknown or not layouts:
        raise ValueError(f"layouts must be among {sorted(_EXTENSIONS)}, got {layouts!r}")
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    forms = out / "forms"
    forms.mkdir(parents=True, exist_ok=True)
    text_layouts = [lay for lay in layouts if lay != "docx"]
    names = []
    for case in data.cases:
        if "docx" in layouts and (not text_layouts or rng.random() < docx_share):
            layout = "docx"
        else:
            layout = text_layouts[int(rng.integers(0, len(text_layouts)))]
        name = Path(case.source).stem + _EXTENSIONS[layout]
        names.append(name)
        noise: dict[str, Any] = {
            "shift_documents": bool(rng.random() < 0.2),
            "misspell": [None, True, False][int(rng.integers(0, 3))],
        }
        if layout == "docx":
            render_docx(case, forms / name, **noise)
            continue
        noise["crlf"] = bool(rng.random() < 0.1)
        noise["extra_spaces"] = bool(rng.random() < 0.1)
        render = render_plain if layout == "plain" else render_markdown
        text = render(case, **noise)
        (forms / name).write_bytes(text.encode("utf-8"))
    glosas = data.glosas[list(GLOSA_COLUMNS)]
    write_glosa_csv(glosas, out / "glosas.csv")
    truth = data.truth.copy()
    truth["source"] = names
    truth.to_csv(out / "truth.csv", index=False)
    return out
