"""Words the synthetic forms are written with: names, places, notes, offers and outcomes."""

from __future__ import annotations

from churnlab.io.records import (
    DISMISSAL_REASONS,
    NO_ACTION,
)

# --- vocabularies for the forms ------------------------------------------------------

FIRST_NAMES_F = (
    "ANA", "MARIA", "JULIANA", "FERNANDA", "CAMILA", "PATRÍCIA", "ALINE", "CARLA", "BEATRIZ",
    "LARISSA", "RENATA", "VANESSA", "TATIANA", "PRISCILA", "MARIANA", "GABRIELA", "LETÍCIA",
    "DANIELA", "LUCIANA", "CRISTINA", "ISABELA", "RAQUEL", "SIMONE", "ADRIANA", "NATÁLIA",
)  # fmt: skip
FIRST_NAMES_M = (
    "JOÃO", "JOSÉ", "CARLOS", "PAULO", "PEDRO", "LUCAS", "RAFAEL", "MARCELO", "RODRIGO",
    "FELIPE", "GUSTAVO", "THIAGO", "ANDRÉ", "FÁBIO", "RICARDO", "EDUARDO", "LEONARDO",
    "DIEGO", "MÁRCIO", "VINÍCIUS", "SÉRGIO", "HENRIQUE", "ROBERTO", "DANIEL", "MATEUS",
)  # fmt: skip
LAST_NAMES = (
    "SILVA", "SANTOS", "OLIVEIRA", "SOUZA", "RODRIGUES", "FERREIRA", "ALVES", "PEREIRA",
    "LIMA", "GOMES", "COSTA", "RIBEIRO", "MARTINS", "CARVALHO", "ALMEIDA", "LOPES", "SOARES",
    "FERNANDES", "VIEIRA", "BARBOSA", "ROCHA", "DIAS", "NASCIMENTO", "ANDRADE", "MOREIRA",
    "NUNES", "MARQUES", "MACHADO", "MENDES", "FREITAS", "CARDOSO", "RAMOS", "GONÇALVES",
    "SANTANA", "TEIXEIRA", "ARAÚJO", "PINTO", "CORREIA", "CAVALCANTI", "MONTEIRO",
)  # fmt: skip
PARTICLES = ("DA", "DE", "DOS", "DAS")

# state: (weight, US-value shift, area code, cities)
STATES: dict[str, tuple[float, float, int, tuple[str, ...]]] = {
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
OPERATORS = (("ODONTOVIDA", 0.6), ("SORRIDENTE SAÚDE", 0.3), ("DENTALPLENA", 0.1))
PLANS = ("ODONTOSUL", "DENTALMAIS", "SORRISO PLENO", "ORALCARE", "BOCA SAUDÁVEL",
          "UNIDENTE", "ODONTOCENTER", "PRIMEDENT")  # fmt: skip
REQUESTED = (("Prestador", 0.55), ("Operadora", 0.35), ("Credenciamento", 0.10))
ANALYSTS = 14

REASON_TEXT: dict[str, tuple[str, ...]] = {
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
assert tuple(REASON_TEXT) == DISMISSAL_REASONS

OPENINGS = ("Realizado contato com profissional,", "Em contato via WhatsApp,", "Boa tarde,",
             "Bom dia,", "Em ligação,", "Em retorno ao e-mail,", "Qual o motivo da solicitação? R.",
             "Contato telefônico realizado,", "")  # fmt: skip
VERBS = ("informa que", "relata que", "alega que", "diz que", "explica que")
CLOSINGS = ("Solicita o descredenciamento.", "Aguardando retorno.",
             "Deseja o desligamento da rede.", "Mantém a solicitação.", "", "")  # fmt: skip
FOLLOW_UPS = (
    "Encaminhada mensagem através do WhatsApp e e-mail questionando o motivo da solicitação. "
    "Aguardando retorno.",
    "Enviado whatsapp {phone}. Aguardando retorno.",
    "Sem retorno, reenviada mensagem via WhatsApp.",
    "Realizada nova tentativa de contato por telefone {phone}, sem sucesso.",
)
OFFERS = {
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
OUTCOMES = {
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
NOT_RETENTION_FIRST = (
    "Profissional solicitou atualização de dados cadastrais.",
    "Solicitação de alteração de endereço de atendimento, não de desligamento.",
    "Em contato, profissional informa que abriu a solicitação por engano.",
)
GLOSA_DETAILS_TECH = (
    "rx enviados sem condições de analise", "No rx anexado não visualiza lesão",
    "rx sem condições de analise", "falta rx final do tratamento",
    "imagem não comprova a execução do procedimento", "procedimento sem justificativa clínica",
    "rx inicial não mostra necessidade do tratamento",
)  # fmt: skip
GLOSA_DETAILS_ADMIN = (
    "guia enviada fora do prazo", "falta assinatura do beneficiário",
    "senha de autorização vencida", "guia em duplicidade", "carteirinha inválida na data",
)  # fmt: skip
SECTOR_OF = {
    "glosas": "technical_analysis", "technical_rules": "technical_analysis",
    "system_difficulties": "it", "fees": "commercial", "undue_charges": "commercial",
    "central_contact_difficulty": "call_center", "guide_release_time": "technical_analysis",
    "operator_support_lacking": "call_center",
}  # fmt: skip
SECOND_REASON = {
    "glosas": "technical_rules", "technical_rules": "glosas", "fees": "low_demand",
    "low_demand": "fees", "guide_release_time": "operator_bureaucracy",
    "system_difficulties": "operator_support_lacking", "retired": "health_problems",
    "moved_area": "personal_reasons", "operator_support_lacking": "central_contact_difficulty",
}  # fmt: skip
