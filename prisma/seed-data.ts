// Demo content for Accord: the 21st ASEAN Cooperation on Civil Service Matters (ACCSM 21),
// Ha Noi, 3-5 August 2022. Pure data, no imports. Themes and figures come from the
// Vietnamese source articles in /work/shared/seeds/ (see /work/shared/DOMAIN.md).
// Person names are FICTIONAL demo accounts, not the officials named in the articles.

/** A bracket in the demo text: over `words` (which occur once in the paragraph), with its story. */
export type SeedBracket = {
  id: string
  owner: string
  words: string
  supporters?: string[]
  alternatives?: { delegation: string; text: string; supporters?: string[] }[]
}

export type SeedBlock =
  | { type: 'heading'; text: string }
  | {
      type: 'paragraph'
      kind: 'preambular' | 'operative'
      text: string
      status?: 'open' | 'ad_ref' | 'agreed'
      brackets?: SeedBracket[]
    }

export const DEMO_PASSWORD = 'accord-demo'

/** ISO 3166-1 alpha-3 codes, names as ASEAN writes them. */
export const STATES: { code: string; name: string }[] = [
  { code: 'BRN', name: 'Brunei Darussalam' },
  { code: 'KHM', name: 'Cambodia' },
  { code: 'IDN', name: 'Indonesia' },
  { code: 'LAO', name: 'Lao PDR' },
  { code: 'MYS', name: 'Malaysia' },
  { code: 'MMR', name: 'Myanmar' },
  { code: 'PHL', name: 'Philippines' },
  { code: 'SGP', name: 'Singapore' },
  { code: 'THA', name: 'Thailand' },
  { code: 'VNM', name: 'Viet Nam' },
  { code: 'CHN', name: 'China' },
  { code: 'JPN', name: 'Japan' },
  { code: 'KOR', name: 'Republic of Korea' },
  { code: 'AUS', name: 'Australia' },
]

export const MEETING: {
  slug: 'accsm21'
  title: string
  shortTitle: string
  city: string
  timeZone: 'Asia/Ho_Chi_Minh'
  startsOn: string
  endsOn: string
  framework: 'ACCSM'
  chairStateCode: 'VNM'
} = {
  slug: 'accsm21',
  title: '21st ASEAN Cooperation on Civil Service Matters',
  shortTitle: 'ACCSM 21',
  city: 'Ha Noi',
  timeZone: 'Asia/Ho_Chi_Minh',
  startsOn: '2022-08-03',
  endsOn: '2022-08-05',
  framework: 'ACCSM',
  chairStateCode: 'VNM',
}

export const DELEGATIONS: {
  code: string
  name: string
  kind: 'MEMBER' | 'PARTNER' | 'OBSERVER' | 'SECRETARIAT'
  stateCode: string | null
  head: string
  delegate: string | null
  /** An adviser suggests changes rather than making them (demo of suggestion mode). */
  adviser?: string
}[] = [
  // ASEAN Member States
  {
    code: 'BRN',
    name: 'Brunei Darussalam',
    kind: 'MEMBER',
    stateCode: 'BRN',
    head: 'Dayang Nurul Huda binti Haji Abdul Rahman',
    delegate: 'Awang Mohd Hafiz bin Haji Osman',
  },
  {
    code: 'KHM',
    name: 'Cambodia',
    kind: 'MEMBER',
    stateCode: 'KHM',
    head: 'Sok Chanthy',
    delegate: 'Chea Sovannara',
  },
  {
    code: 'IDN',
    name: 'Indonesia',
    kind: 'MEMBER',
    stateCode: 'IDN',
    head: 'Rina Kusumawardani',
    delegate: 'Agus Setiawan Nugroho',
  },
  {
    code: 'LAO',
    name: 'Lao PDR',
    kind: 'MEMBER',
    stateCode: 'LAO',
    head: 'Khamphone Sisavath',
    delegate: 'Vilayvanh Phommachanh',
  },
  {
    code: 'MYS',
    name: 'Malaysia',
    kind: 'MEMBER',
    stateCode: 'MYS',
    head: 'Muhammad Faizal bin Ismail',
    delegate: 'Lim Mei Ling',
  },
  {
    code: 'MMR',
    name: 'Myanmar',
    kind: 'MEMBER',
    stateCode: 'MMR',
    head: 'Khin Myat Thu',
    delegate: 'Aung Kyaw Min',
  },
  {
    code: 'PHL',
    name: 'Philippines',
    kind: 'MEMBER',
    stateCode: 'PHL',
    head: 'Maria Cristina Villanueva',
    delegate: 'Ramon Peñaflor',
  },
  {
    code: 'SGP',
    name: 'Singapore',
    kind: 'MEMBER',
    stateCode: 'SGP',
    head: 'Tan Hui Min',
    delegate: 'Rajesh Kumar Pillai',
  },
  {
    code: 'THA',
    name: 'Thailand',
    kind: 'MEMBER',
    stateCode: 'THA',
    head: 'Siriporn Wongsawat',
    delegate: 'Kittipong Chaiyasit',
    adviser: 'Nattaya Chaiyaporn',
  },
  {
    code: 'VNM',
    name: 'Viet Nam',
    kind: 'MEMBER',
    stateCode: 'VNM',
    head: 'Nguyễn Thị Hồng Nhung',
    delegate: 'Trần Quốc Bảo',
  },
  // ACCSM+3 partners
  {
    code: 'CHN',
    name: 'China',
    kind: 'PARTNER',
    stateCode: 'CHN',
    head: 'Wang Lihua',
    delegate: 'Zhao Jianguo',
  },
  {
    code: 'JPN',
    name: 'Japan',
    kind: 'PARTNER',
    stateCode: 'JPN',
    head: 'Naoko Fujimoto',
    delegate: 'Kenta Ishikawa',
  },
  {
    code: 'KOR',
    name: 'Republic of Korea',
    kind: 'PARTNER',
    stateCode: 'KOR',
    head: 'Kim Seo-yeon',
    delegate: 'Park Ji-hoon',
  },
  // Secretariat and observer: one person each
  {
    code: 'ASEC',
    name: 'ASEAN Secretariat',
    kind: 'SECRETARIAT',
    stateCode: null,
    head: 'Putri Ayu Lestari',
    delegate: null,
  },
  {
    code: 'AUS',
    name: 'Australian Public Service Commission',
    kind: 'OBSERVER',
    stateCode: 'AUS',
    head: 'Emma Whitfield',
    delegate: null,
  },
]

const JOINT_STATEMENT_BLOCKS: SeedBlock[] = [
  {
    type: 'paragraph',
    kind: 'preambular',
    status: 'agreed',
    text: 'Recognising that the COVID-19 pandemic has tested the capacity of ASEAN civil services to keep delivering high-quality public services, and that the civil service must be prepared to respond to new and unprecedented challenges in a rapidly changing regional and global environment;',
  },
  {
    type: 'paragraph',
    kind: 'preambular',
    status: 'agreed',
    text: 'Recalling the ASEAN Declaration on Enhancing Civil Service Responsiveness to New Challenges, initiated in Viet Nam, adopted ad interim in 2021 and noted at the 38th and 39th ASEAN Summits, which calls for transformational leadership, the continued development of the skills of civil servants and the further promotion of good governance;',
  },
  {
    type: 'paragraph',
    kind: 'preambular',
    status: 'ad_ref',
    text: 'Noting with satisfaction that the implementation of the ACCSM Work Plan 2021-2025 remains on track, and that the 6th ACCSM+3 Senior Officials Meeting on 3 August 2022 reviewed 32 projects and activities, of which 7 have been completed, 4 are ongoing or annual and 21 are planned;',
  },
  {
    type: 'paragraph',
    kind: 'preambular',
    text: 'Welcoming the fourth Informal Session on Modernising the Civil Service: Diversity and Inclusion, chaired by the Australian Public Service Commission, and the Good Governance Forum on innovating the training and development of civil servants to meet the requirements of international integration;',
  },
  {
    type: 'paragraph',
    kind: 'preambular',
    text: 'Mindful that ASEAN celebrates the 55th anniversary of its founding on 8 August 2022, and of the contribution of the civil service to a rules-based, people-oriented and people-centred ASEAN Community;',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Agree to accelerate the implementation of the Plan of Action to Implement the ASEAN Declaration on Enhancing Civil Service Responsiveness to New Challenges at national and regional levels, under the theme "Modernising the Civil Service towards a Cohesive and Responsive ASEAN Community";',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Agree to pursue the digital transformation of the civil service, including the digitalisation of public services, the promotion of e-government and digital government, and the protection of data privacy;',
    brackets: [
      {
        id: 'bseeddataprivacy',
        owner: 'SGP',
        words: 'and the protection of data privacy',
        supporters: ['MYS'],
        alternatives: [{ delegation: 'IDN', text: 'and the protection of personal data in line with national laws', supporters: ['PHL'] }],
      },
    ],
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage the ASEAN Resource Centres and the ASEAN Public Service Training Institutes to strengthen their programmes for the skills of civil servants, so that their competencies remain relevant to a changing environment;',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage ASEAN Member States to build transparent, diverse and inclusive civil services with high standards of public service ethics, and to support the implementation of the ASEAN Comprehensive Recovery Framework;',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: "Encourage continued cooperation with China, Japan and the Republic of Korea under the ACCSM+3 Work Plan 2021-2025, including Japan's proposed international seminar in 2023 commemorating 50 years of ASEAN-Japan friendship and cooperation, and the wider engagement of Dialogue Partners through the ACCSM Strategic Partnership Framework;",
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Task the ACCSM Senior Officials to complete the activities postponed from the ACCSM Work Plan 2016-2020, to contribute to the ASEAN Community Vision post-2025 and to expand ACCSM cooperation with other ASEAN sectoral bodies, and to report to the ACCSM Heads Meeting to be hosted by Brunei Darussalam as Chair of ACCSM 22 in April 2024;',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: "Express appreciation to Viet Nam's Ministry of Home Affairs, as Chair of ACCSM 21, for its leadership in 2021-2022 and for the excellent arrangements of the first in-person ACCSM meetings in Ha Noi after more than two years of online work.",
  },
]

const PLAN_OF_ACTION_BLOCKS: SeedBlock[] = [
  { type: 'heading', text: 'National level objectives' },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage ASEAN Member States (AMS) to integrate the content of the Declaration into their policy-making processes.',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage AMS to disseminate the content of the Declaration to ministries and/or relevant stakeholders and to translate the Declaration into their national languages.',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage AMS to translate the commitments in the Declaration into practice by mainstreaming them into their policy-making processes.',
  },
  { type: 'heading', text: 'Regional level objectives' },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage AMS to develop new initiatives in the ACCSM and ACCSM+3 Work Plans 2021-2025 to implement the Declaration.',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Encourage AMS to strengthen cooperation with potential partners such as the ASEAN Plus Three countries, other Dialogue Partners and international organisations.',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Conduct joint meetings, dialogues and other activities to share information and good practices among those working to implement the Declaration.',
  },
  { type: 'heading', text: 'Priority areas' },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Priority area 1, responsive and transformational leadership: strengthen responsive and transformational leadership in the civil service for timely and effective policies and measures in response to challenges and a changing environment, and to seize opportunities for the benefit of the peoples of ASEAN. ACCSM: 4 activities (3 planned, 1 completed); ACCSM+3: 12 activities (10 planned, 2 completed).',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Priority area 2, skills of civil servants: further develop the skills of civil servants through programmes and initiatives such as the ASEAN Resource Centres (ARCs) and the network of ASEAN Public Service Training Institutes (PSTIs), so that their competencies remain relevant to a changing environment. ACCSM: 18 activities (10 planned, 5 completed, status of the others not reported); ACCSM+3: 8 activities (5 planned, 3 completed).',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Priority area 3, efficiency of public services: improve the efficiency and productivity of public services through the modernisation, reform and simplification of administrative procedures, addressing bottlenecks and creating open systems for the participation of all stakeholders. ACCSM: 25 activities (14 planned, 7 completed, 1 ongoing, 3 recurring); ACCSM+3: 23 activities (14 planned, 5 completed, 1 ongoing, 3 recurring).',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Priority area 4, digital government, economy and society: enhance digital government, digital economy and digital society in the region while developing policies and legal frameworks that harness digital progress, mitigate its risks and protect data privacy. ACCSM: 24 activities (13 planned, 6 completed, 1 ongoing, 4 recurring); ACCSM+3: 21 activities (14 planned, 4 completed, 3 recurring).',
  },
  {
    type: 'paragraph',
    kind: 'operative',
    text: 'Priority area 5, cross-pillar and cross-sectoral cooperation: further strengthen cross-pillar and cross-sectoral cooperation and coordination to promote good governance for a people-oriented, people-centred, inclusive, sustainable, resilient and dynamic ASEAN Community. ACCSM: 2 activities (1 planned, 1 completed); ACCSM+3: no activities yet.',
  },
]

export const DOCUMENTS: {
  slug: string
  title: string
  kind: 'OUTCOME_STATEMENT' | 'ACTION_PLAN'
  blocks: SeedBlock[]
}[] = [
  {
    slug: 'accsm21-heads-joint-statement',
    title: 'Joint Statement of the 21st ACCSM Heads Meeting (draft)',
    kind: 'OUTCOME_STATEMENT',
    blocks: JOINT_STATEMENT_BLOCKS,
  },
  {
    slug: 'accsm21-plan-of-action',
    title:
      'Plan of Action to Implement the ASEAN Declaration on Enhancing Civil Service Responsiveness to New Challenges',
    kind: 'ACTION_PLAN',
    blocks: PLAN_OF_ACTION_BLOCKS,
  },
]

/** Verbatim sentences from the seed articles (NFC, exactly as in /work/shared/seeds/). */
export const SEED_ARTICLE_QUOTES: string[] = [
  'Kế hoạch làm việc 5 năm giai đoạn 2021-2025 của ACCSM vẫn đang đi đúng tiến độ.',
  'Trung Quốc luôn coi trọng việc hợp tác với các nước ASEAN.',
  'Tuyên bố kêu gọi phải có một sự lãnh đạo chuyển đổi và tiếp tục phát triển các kỹ năng cho công chức, công vụ, thúc đẩy hơn nữa quản trị tốt.',
  'Khuyến khích AMS tăng cường hợp tác với các đối tác tiềm năng như các nước ASEAN + 3, các đối tác đối thoại khác và Tổ chức quốc tế.',
  'Trong các cơ quan công vụ của Australia, đại diện là phụ nữ rất nhiều.',
]
